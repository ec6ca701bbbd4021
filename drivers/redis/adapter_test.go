package redis

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/serializer"
)

func TestInteropWithOtherClients(t *testing.T) {
	ctx := ctxT(t)
	raw := serverURL(t)
	rdb := client(t, raw)
	a := newTestAdapter(t, rdb, Options{})
	c := strata.New[string](a, &strata.Options[string]{Codec: serializer.Raw[string](), Prefix: "users:"})

	// What Cache[string]+Raw writes is a plain Redis string...
	if err := c.Set(ctx, "42", "Ada Lovelace", time.Hour); err != nil {
		t.Fatal(err)
	}
	key := a.Prefix() + "users:42"
	got, err := rdb.Get(ctx, key).Result()
	if err != nil || got != "Ada Lovelace" {
		t.Fatalf("go-redis GET %s = %q, %v", key, got, err)
	}
	if ttl := rdb.PTTL(ctx, key).Val(); ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("native TTL = %v, want about an hour", ttl)
	}
	// ...that redis-cli prints.
	if _, err := exec.LookPath("redis-cli"); err == nil {
		out, err := exec.Command("redis-cli", "-u", raw, "--no-auth-warning", "GET", key).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli: %v\n%s", err, out)
		}
		if strings.TrimSpace(string(out)) != "Ada Lovelace" {
			t.Errorf("redis-cli GET printed %q", out)
		}
	} else if os.Getenv("CI") != "" {
		t.Error("redis-cli not found")
	}

	// A string another client SETs is readable, with its TTL.
	if err := rdb.Set(ctx, a.Prefix()+"users:7", "Grace Hopper", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get(ctx, "7"); err != nil || v != "Grace Hopper" {
		t.Fatalf("Get of a foreign value = %q, %v", v, err)
	}
	if _, ttl, err := a.GetWithTTL(ctx, "users:7"); err != nil || ttl != adapter.NoExpiration {
		t.Errorf("GetWithTTL = %v, %v", ttl, err)
	}
	// Empty values stay values.
	if err := c.Set(ctx, "empty", "", time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := rdb.Exists(ctx, a.Prefix()+"users:empty").Val(); n != 1 {
		t.Error("an empty value was not stored")
	}
	if v, err := c.Get(ctx, "empty"); err != nil || v != "" {
		t.Errorf("Get(empty) = %q, %v", v, err)
	}
}

func TestMissIsNotFoundNamingTheKey(t *testing.T) {
	ctx := ctxT(t)
	a := standaloneAdapter(t, Options{})
	_, err := a.Get(ctx, "no-such-key")
	if !errors.Is(err, adapter.ErrNotFound) || !strings.Contains(err.Error(), "no-such-key") {
		t.Fatalf("Get = %v", err)
	}
	if errors.Is(err, goredis.Nil) {
		t.Error("redis.Nil leaks through")
	}
	if _, err := a.UpdateTimeout(ctx, "no-such-key", time.Hour); !errors.Is(err, adapter.ErrNotFound) || errors.Is(err, goredis.Nil) {
		t.Errorf("UpdateTimeout = %v", err)
	}
	if _, _, err := a.GetWithTTL(ctx, "no-such-key"); !errors.Is(err, adapter.ErrNotFound) || errors.Is(err, goredis.Nil) {
		t.Errorf("GetWithTTL = %v", err)
	}
}

func TestRemoveCounts(t *testing.T) {
	for _, grace := range []time.Duration{0, time.Minute} {
		t.Run("grace="+grace.String(), func(t *testing.T) {
			ctx := ctxT(t)
			a := standaloneAdapter(t, Options{Grace: grace})
			set := func(keys ...string) {
				for _, k := range keys {
					if err := a.Set(ctx, k, []byte("v"), time.Hour); err != nil {
						t.Fatal(err)
					}
				}
			}
			check := func(want bool, keys ...string) {
				t.Helper()
				got, err := a.Remove(ctx, keys...)
				if err != nil || got != want {
					t.Errorf("Remove(%q) = %v, %v; want %v", keys, got, err, want)
				}
			}
			set("a", "b", "c")
			check(true, "a", "b")
			check(false, "a", "c") // a is gone
			check(false, "c")      // c was removed by the previous call
			set("d")
			check(true, "d", "d", "d") // duplicates count once
			check(true)                // nothing to remove
			check(false, "x", "y")
			set("e")
			if _, err := a.Get(ctx, "e"); !errors.Is(err, nil) {
				t.Fatal(err)
			}
		})
	}
}

func TestRemoveUnderGraceDoesNotCountExpiredKeys(t *testing.T) {
	ctx := ctxT(t)
	a := standaloneAdapter(t, Options{Grace: time.Minute})
	if err := a.Set(ctx, "short", []byte("v"), 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := a.Set(ctx, "long", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	if all, err := a.Remove(ctx, "short", "long"); err != nil || all {
		t.Fatalf("Remove(expired, live) = %v, %v; want false", all, err)
	}
	// Removed means removed: not revivable any more.
	if _, err := a.UpdateTimeout(ctx, "short", time.Hour); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("UpdateTimeout after Remove = %v", err)
	}
}

func TestClearStaysInsideThePrefix(t *testing.T) {
	ctx := ctxT(t)
	rdb := client(t, serverURL(t))
	base := redistest.RandomPrefix()
	// A prefix with glob characters must match only itself.
	a := newTestAdapter(t, rdb, Options{Prefix: base + "app*[x]?\\:"})
	other := newTestAdapter(t, rdb, Options{Prefix: base + "appZ[x]?\\:"}) // what the glob would match unescaped
	sibling := newTestAdapter(t, rdb, Options{Prefix: base + "app*[x]?\\"})
	items := map[string][]byte{}
	for _, k := range []string{"1", "2", "3", "*", "[", "x:y"} {
		items[k] = []byte("v" + k)
	}
	for _, ad := range []*Adapter{a, other, sibling} {
		if err := ad.SetMany(ctx, items, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Set(ctx, "forever", []byte("v"), adapter.NoExpiration); err != nil {
		t.Fatal(err)
	}
	if err := a.Clear(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if got, err := a.GetMany(ctx, []string{"1", "2", "3", "*", "[", "x:y", "forever"}); err != nil || len(got) != 0 {
		t.Fatalf("after Clear: %v, %v", got, err)
	}
	for _, ad := range []*Adapter{other, sibling} {
		got, err := ad.GetMany(ctx, []string{"1", "2", "3", "*", "[", "x:y"})
		if err != nil || len(got) != len(items) {
			t.Errorf("Clear of %q touched %q: left %d of %d, %v", a.Prefix(), ad.Prefix(), len(got), len(items), err)
		}
	}
}

func TestClearRefusesAnEmptyPrefix(t *testing.T) {
	ctx := ctxT(t)
	rdb := client(t, serverURL(t))
	a, err := New(rdb, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	canary := redistest.RandomPrefix() + "canary"
	if err := rdb.Set(ctx, canary, "still here", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if err := a.Clear(ctx, ""); !errors.Is(err, ErrClearWithoutPrefix) {
		t.Fatalf("Clear without prefix = %v", err)
	}
	if rdb.Get(ctx, canary).Val() != "still here" {
		t.Fatal("the refused Clear removed a key")
	}
	// AllowClearWithoutPrefix really clears the database: only on a private server.
	if os.Getenv(redistest.EnvURL) != "" {
		return
	}
	srv := redistest.StartServer(t, nil)
	priv := client(t, srv.URL())
	all, err := New(priv, &Options{AllowClearWithoutPrefix: true})
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	for _, k := range []string{"a", "b", "c*"} {
		if err := all.Set(ctx, k, []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := all.Clear(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if n := priv.DBSize(ctx).Val(); n != 0 {
		t.Errorf("%d keys left", n)
	}
}

// TestKeysAreStoredAsGiven: strata.Cache checks keys; the driver does not check
// them again. The prefix does not count against MaxKeyLen, and a key the Cache
// would refuse is still just a Redis key to the driver: no panic, no special case.
func TestKeysAreStoredAsGiven(t *testing.T) {
	ctx := ctxT(t)
	a := standaloneAdapter(t, Options{Prefix: redistest.RandomPrefix()})
	longest := strings.Repeat("k", adapter.MaxKeyLen)
	for name, key := range map[string]string{"MaxKeyLen": longest, "empty": "", "too long": longest + "k"} {
		if err := a.Set(ctx, key, []byte("v"), time.Minute); err != nil {
			t.Fatalf("%s: Set: %v", name, err)
		}
		if v, err := a.Get(ctx, key); err != nil || string(v) != "v" {
			t.Fatalf("%s: Get: %q, %v", name, v, err)
		}
		if got, err := a.GetMany(ctx, []string{key}); err != nil || string(got[key]) != "v" {
			t.Fatalf("%s: GetMany: %q, %v", name, got, err)
		}
		if err := a.Publish(ctx, key); err != nil {
			t.Fatalf("%s: Publish: %v", name, err)
		}
		if all, err := a.Remove(ctx, key); !all || err != nil {
			t.Fatalf("%s: Remove: %v, %v", name, all, err)
		}
	}
	// TTLs a Cache never passes: what they do is unspecified, but nothing panics
	// or hangs, and the adapter keeps working.
	for _, ttl := range []time.Duration{0, -2, -time.Second, math.MinInt64} {
		_ = a.Set(ctx, "k", []byte("v"), ttl)
		_, _ = a.UpdateTimeout(ctx, "k", ttl)
		_ = a.SetMany(ctx, map[string][]byte{"k": nil}, ttl)
	}
	if err := a.Set(ctx, "k", []byte("after"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, err := a.Get(ctx, "k"); err != nil || string(v) != "after" {
		t.Fatalf("Get after invalid TTLs: %q, %v", v, err)
	}
}

func TestSubMillisecondTTLRoundsUp(t *testing.T) {
	ctx := ctxT(t)
	rdb := client(t, serverURL(t))
	a := newTestAdapter(t, rdb, Options{})
	if err := a.Set(ctx, "k", []byte("v"), 100*time.Microsecond); err != nil {
		t.Fatal(err)
	}
	// Stored with PX 1 (not without expiry): gone almost at once.
	eventually(t, time.Second, "a 100µs TTL did not expire", func() bool {
		return rdb.Exists(ctx, a.Prefix()+"k").Val() == 0
	})
	if err := a.Set(ctx, "k2", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateTimeout(ctx, "k2", time.Microsecond); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "UpdateTimeout to 1µs did not expire", func() bool {
		return rdb.Exists(ctx, a.Prefix()+"k2").Val() == 0
	})
}

func TestGetWithTTL(t *testing.T) {
	for _, grace := range []time.Duration{0, time.Minute} {
		t.Run("grace="+grace.String(), func(t *testing.T) {
			ctx := ctxT(t)
			a := standaloneAdapter(t, Options{Grace: grace})
			if err := a.Set(ctx, "k", []byte("v"), 10*time.Second); err != nil {
				t.Fatal(err)
			}
			v, ttl, err := a.GetWithTTL(ctx, "k")
			if err != nil || string(v) != "v" || ttl <= 9*time.Second || ttl > 10*time.Second {
				t.Errorf("GetWithTTL = %q, %v, %v", v, ttl, err)
			}
			if err := a.Set(ctx, "n", []byte("w"), adapter.NoExpiration); err != nil {
				t.Fatal(err)
			}
			if v, ttl, err := a.GetWithTTL(ctx, "n"); err != nil || string(v) != "w" || ttl != adapter.NoExpiration {
				t.Errorf("GetWithTTL(no expiry) = %q, %v, %v", v, ttl, err)
			}
		})
	}
}

func TestCancelledAndExpiredContexts(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.StartServer(t, nil)
	// go-redis interrupts a call waiting on the network at the ctx's deadline
	// (ContextTimeoutEnabled); a cancellation without deadline is noticed when
	// the read times out (read_timeout), and still reported as context.Canceled.
	a := newTestAdapter(t, client(t, srv.URL()+"?read_timeout=300ms&max_retries=0"), Options{})
	if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	// A server that stops answering: a deadline bounds the call.
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Resume() }()
	for name, call := range map[string]func(context.Context) error{
		"Get":     func(ctx context.Context) error { _, err := a.Get(ctx, "k"); return err },
		"Set":     func(ctx context.Context) error { return a.Set(ctx, "k", []byte("v"), time.Hour) },
		"GetMany": func(ctx context.Context) error { _, err := a.GetMany(ctx, []string{"k", "j"}); return err },
		"Remove":  func(ctx context.Context) error { _, err := a.Remove(ctx, "k", "j"); return err },
		"Clear":   func(ctx context.Context) error { return a.Clear(ctx, "") },
	} {
		dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		start := time.Now()
		err := call(dctx)
		cancel()
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %v on a paused server with a 200ms deadline", name, d)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s = %v, want context.DeadlineExceeded", name, err)
		}
		// Cancellation while waiting: bounded by read_timeout.
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(100*time.Millisecond, cancel)
		start = time.Now()
		err = call(cctx)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %v after its ctx was cancelled", name, d)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s = %v, want context.Canceled", name, err)
		}
	}
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	// Commands abandoned while the server was frozen may still run when it
	// resumes (Remove's UNLINK, for one), so write afresh before reading.
	var last error
	eventually(t, 10*time.Second, "the adapter did not recover after the server resumed", func() bool {
		if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
			last = err
			return false
		}
		v, err := a.Get(ctx, "k")
		if err != nil && (last == nil || err.Error() != last.Error()) {
			t.Logf("after resume: %v", err)
		}
		last = err
		return err == nil && string(v) == "v"
	})
}

// countingHook counts what reaches the server: single commands, pipelines (each
// one round trip) and the commands inside them.
type countingHook struct{ cmds, pipes, piped atomic.Int64 }

func (h *countingHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *countingHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		h.cmds.Add(1)
		return next(ctx, cmd)
	}
}
func (h *countingHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		h.pipes.Add(1)
		h.piped.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}
func (h *countingHook) reset()                { h.cmds.Store(0); h.pipes.Store(0); h.piped.Store(0) }
func (h *countingHook) trips() (int64, int64) { return h.cmds.Load(), h.pipes.Load() }

func TestOneRoundTripPerOperation(t *testing.T) {
	for _, grace := range []time.Duration{0, time.Minute} {
		t.Run("grace="+grace.String(), func(t *testing.T) {
			ctx := ctxT(t)
			rdb := client(t, serverURL(t))
			hook := &countingHook{}
			rdb.AddHook(hook)
			a := newTestAdapter(t, rdb, Options{Grace: grace})
			many := map[string][]byte{}
			var keys []string
			for i := range 50 {
				k := "k" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
				many[k] = []byte(k)
				keys = append(keys, k)
			}
			ops := []struct {
				name string
				call func() error
			}{
				{"Set", func() error { return a.Set(ctx, "k", []byte("v"), time.Hour) }},
				{"Get", func() error { _, err := a.Get(ctx, "k"); return err }},
				{"UpdateTimeout", func() error { _, err := a.UpdateTimeout(ctx, "k", time.Minute); return err }},
				{"UpdateTimeout persist", func() error { _, err := a.UpdateTimeout(ctx, "k", adapter.NoExpiration); return err }},
				{"GetWithTTL", func() error { _, _, err := a.GetWithTTL(ctx, "k"); return err }},
				{"SetMany", func() error { return a.SetMany(ctx, many, time.Hour) }},
				{"GetMany", func() error { _, err := a.GetMany(ctx, keys); return err }},
				{"Remove", func() error { _, err := a.Remove(ctx, slices.Concat(keys, keys[:1])...); return err }},
				{"Publish", func() error { return a.Publish(ctx, keys...) }},
				{"Ping", func() error { return a.Ping(ctx) }},
			}
			for _, op := range ops {
				_ = op.call() // warm up: connections, script cache
				if op.name == "Remove" {
					_ = a.SetMany(ctx, many, time.Hour)
				}
				hook.reset()
				if err := op.call(); err != nil {
					t.Fatalf("%s: %v", op.name, err)
				}
				if cmds, pipes := hook.trips(); cmds+pipes != 1 {
					t.Errorf("%s took %d commands and %d pipelines, want one round trip", op.name, cmds, pipes)
				}
			}
		})
	}
}

func TestGraceRevivesWithinTheWindow(t *testing.T) {
	ctx := ctxT(t)
	rdb := client(t, serverURL(t))
	a := newTestAdapter(t, rdb, Options{Grace: 2 * time.Second})
	if err := a.Set(ctx, "k", []byte("payload"), 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// Redis keeps it ttl+grace...
	if ttl := rdb.PTTL(ctx, a.Prefix()+"k").Val(); ttl <= 1500*time.Millisecond {
		t.Errorf("Redis TTL %v, want about 2.1s", ttl)
	}
	time.Sleep(200 * time.Millisecond)
	// ...but Get misses after ttl,
	if _, err := a.Get(ctx, "k"); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("Get after ttl = %v", err)
	}
	if got, err := a.GetMany(ctx, []string{"k"}); err != nil || len(got) != 0 {
		t.Fatalf("GetMany after ttl = %v, %v", got, err)
	}
	if _, _, err := a.GetWithTTL(ctx, "k"); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("GetWithTTL after ttl = %v", err)
	}
	// and UpdateTimeout revives it (even after the server lost its scripts).
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	v, err := a.UpdateTimeout(ctx, "k", time.Minute)
	if err != nil || string(v) != "payload" {
		t.Fatalf("UpdateTimeout within grace = %q, %v", v, err)
	}
	if v, ttl, err := a.GetWithTTL(ctx, "k"); err != nil || string(v) != "payload" || ttl < 59*time.Second {
		t.Fatalf("after revival: %q, %v, %v", v, ttl, err)
	}
	if ttl := rdb.PTTL(ctx, a.Prefix()+"k").Val(); ttl < 61*time.Second {
		t.Errorf("Redis TTL after revival %v, want ttl+grace", ttl)
	}
	// Persisting through UpdateTimeout drops the Redis TTL and the logical expiry.
	if _, err := a.UpdateTimeout(ctx, "k", adapter.NoExpiration); err != nil {
		t.Fatal(err)
	}
	if ttl := rdb.PTTL(ctx, a.Prefix()+"k").Val(); ttl != -1 {
		t.Errorf("Redis TTL after persist = %v", ttl)
	}
	if _, ttl, _ := a.GetWithTTL(ctx, "k"); ttl != adapter.NoExpiration {
		t.Errorf("GetWithTTL after persist = %v", ttl)
	}
}

func TestGraceRejectsValuesWithoutHeader(t *testing.T) {
	ctx := ctxT(t)
	rdb := client(t, serverURL(t))
	a := newTestAdapter(t, rdb, Options{Grace: time.Minute})
	for _, foreign := range []string{"plain string", "", "\xa7short"} {
		if err := rdb.Set(ctx, a.Prefix()+"foreign", foreign, time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
		check := func(op string, err error) {
			t.Helper()
			if !errors.Is(err, adapter.ErrCodec) || !strings.Contains(err.Error(), "foreign") {
				t.Errorf("%s of %q = %v; want ErrCodec naming the key", op, foreign, err)
			}
		}
		_, err := a.Get(ctx, "foreign")
		check("Get", err)
		_, err = a.GetMany(ctx, []string{"foreign"})
		check("GetMany", err)
		_, _, err = a.GetWithTTL(ctx, "foreign")
		check("GetWithTTL", err)
		_, err = a.UpdateTimeout(ctx, "foreign", time.Hour)
		check("UpdateTimeout", err)
		if v := rdb.Get(ctx, a.Prefix()+"foreign").Val(); v != foreign {
			t.Errorf("UpdateTimeout changed a foreign value to %q", v)
		}
		// Remove still removes it (and counts it).
		if all, err := a.Remove(ctx, "foreign"); err != nil || !all {
			t.Errorf("Remove(foreign) = %v, %v", all, err)
		}
	}
	// Through a Cache the error is still ErrCodec, never garbage.
	c := strata.New[string](a, &strata.Options[string]{Codec: serializer.Raw[string]()})
	_ = rdb.Set(ctx, a.Prefix()+"x", "junk", time.Hour)
	if v, err := c.Get(ctx, "x"); !errors.Is(err, adapter.ErrCodec) {
		t.Errorf("Cache.Get = %q, %v", v, err)
	}
}

func TestGraceHeaderRoundTrip(t *testing.T) {
	for _, expiry := range []int64{0, 1, 1_700_000_000_000, 1<<62 + 5} {
		for _, payload := range [][]byte{nil, {}, []byte("x"), bytes.Repeat([]byte{0xA7, 0}, 100)} {
			b := withHeader(payload, expiry)
			if len(b) != graceHeaderLen+len(payload) || b[0] != graceMagic {
				t.Fatalf("withHeader: % x", b[:graceHeaderLen])
			}
			e, p, ok := parseHeader(b)
			if !ok || e != expiry || !bytes.Equal(p, payload) {
				t.Errorf("round trip of (%d, %q) = %d, %q, %v", expiry, payload, e, p, ok)
			}
		}
	}
	for _, bad := range [][]byte{nil, {graceMagic}, []byte("plain text value"), {0xA6, 0, 0, 0, 0, 0, 0, 0, 0}, {graceMagic, 0x80, 0, 0, 0, 0, 0, 0, 0}} {
		if _, _, ok := parseHeader(bad); ok {
			t.Errorf("parseHeader(% x) accepted", bad)
		}
	}
	// unwrap: expiry in the past is a miss, 0 never expires, no header is ErrCodec.
	now := int64(1_700_000_000_000)
	if _, err := unwrap("k", withHeader([]byte("v"), now), now); !errors.Is(err, adapter.ErrNotFound) {
		t.Errorf("expired: %v", err)
	}
	if v, err := unwrap("k", withHeader([]byte("v"), now+1), now); err != nil || string(v) != "v" {
		t.Errorf("live: %q %v", v, err)
	}
	if v, err := unwrap("k", withHeader([]byte("v"), 0), now); err != nil || string(v) != "v" {
		t.Errorf("no expiry: %q %v", v, err)
	}
	if _, err := unwrap("the-key", []byte("v"), now); !errors.Is(err, adapter.ErrCodec) || !strings.Contains(err.Error(), "the-key") {
		t.Errorf("no header: %v", err)
	}
}

func TestEscapeGlob(t *testing.T) {
	cases := map[string]string{
		"app:":      "app:",
		"a*b":       `a\*b`,
		"[x]?":      `\[x\]\?`,
		`back\`:     `back\\`,
		"{tag}:^-!": "{tag}:^-!",
	}
	for in, want := range cases {
		if got := escapeGlob(in); got != want {
			t.Errorf("escapeGlob(%q) = %q, want %q", in, got, want)
		}
	}
}
