package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// Adversarial tests of shared reads in a batch (shareread.go) and of GetWithTTL
// going through the auto-pipeline as a GET+PTTL pair, against real servers.

// queueInOrder runs each call in its own goroutine, waiting until it is queued
// (after base calls) before starting the next, so that they sit in the batch in
// the order given.
func queueInOrder(t *testing.T, a *Adapter, wg *sync.WaitGroup, base int, calls ...func()) {
	t.Helper()
	for i, c := range calls {
		wg.Go(c)
		waitQueued(t, a, base+i+1)
	}
}

// afterHeld returns the command counts of the pipelines sent after the held one.
func (g *pipeGate) afterHeld() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]int(nil), g.after...)
}

// TestShareReadPairFollowersOwnBytesAndTTL: many GetWithTTL and Get callers of
// one key in one batch each get the value, the key's TTL, and bytes of their own.
func TestShareReadPairFollowersOwnBytesAndTTL(t *testing.T) {
	ctx := ctxT(t)
	a, g := gatedAdapter(t, serverURL(t))
	if err := a.Set(ctx, "k", []byte("value"), time.Hour); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	g.hold(t, ctx, a, &wg)
	const n = 12
	vals := make([][]byte, 2*n)
	for i := range n {
		wg.Go(func() {
			v, ttl, err := a.GetWithTTL(ctx, "k")
			if err != nil || string(v) != "value" || ttl <= 30*time.Minute || ttl > time.Hour {
				t.Errorf("GetWithTTL k = %q, %v, %v; want value with a TTL near 1h", v, ttl, err)
			}
			vals[i] = v
		})
		wg.Go(func() {
			v, err := a.Get(ctx, "k")
			if err != nil || string(v) != "value" {
				t.Errorf("Get k = %q, %v; want value", v, err)
			}
			vals[n+i] = v
		})
	}
	waitQueued(t, a, 2*n)
	g.open()
	wg.Wait()
	if t.Failed() {
		return
	}
	for i := range vals {
		for j := range vals[i] {
			vals[i][j] = 'X'
		}
		for k, v := range vals[i+1:] {
			if string(v) != "value" {
				t.Fatalf("caller %d's value changed with caller %d's: %q", i+1+k, i, v)
			}
		}
	}
	if got := g.afterHeld(); len(got) != 1 || got[0] != 3 {
		t.Fatalf("pipelines after the held one carried %v commands; want one of 3 (GET+PTTL k, GET k)", got)
	}
}

// TestShareReadWritesOrderPairs: reads queued after a write of their key in the
// same batch (SET, GETEX by UpdateTimeout, UNLINK by Delete) see the write, value
// and TTL, while duplicate reads between two writes are still sent once.
func TestShareReadWritesOrderPairs(t *testing.T) {
	ctx := ctxT(t)
	a, g := gatedAdapter(t, serverURL(t))
	if err := a.Set(ctx, "k", []byte("old"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := a.Set(ctx, "j", []byte("jv"), time.Hour); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	g.hold(t, ctx, a, &wg)
	pair := func(key, want string, lo, hi time.Duration) func() {
		return func() {
			v, ttl, err := a.GetWithTTL(ctx, key)
			if want == "" {
				if !errors.Is(err, adapter.ErrNotFound) {
					t.Errorf("GetWithTTL %s = %q, %v, %v; want ErrNotFound", key, v, ttl, err)
				}
				return
			}
			if err != nil || string(v) != want || ttl <= lo || ttl > hi {
				t.Errorf("GetWithTTL %s = %q, %v, %v; want %q with a TTL in (%v, %v]", key, v, ttl, err, want, lo, hi)
			}
		}
	}
	get := func(key, want string) func() {
		return func() {
			v, err := a.Get(ctx, key)
			if want == "" {
				if !errors.Is(err, adapter.ErrNotFound) {
					t.Errorf("Get %s = %q, %v; want ErrNotFound", key, v, err)
				}
				return
			}
			if err != nil || string(v) != want {
				t.Errorf("Get %s = %q, %v; want %q", key, v, err, want)
			}
		}
	}
	h := time.Hour
	queueInOrder(t, a, &wg, 0,
		pair("k", "old", h/2, h), get("k", "old"), pair("k", "old", h/2, h), get("k", "old"), // GET+PTTL, GET
		func() {
			if err := a.Set(ctx, "k", []byte("new"), 3*h); err != nil {
				t.Error(err)
			}
		}, // SET
		pair("k", "new", 2*h, 3*h), get("k", "new"), pair("k", "new", 2*h, 3*h), get("k", "new"), // GET+PTTL, GET
		func() {
			if ok, err := a.Remove(ctx, "k"); err != nil || !ok {
				t.Errorf("Remove k = %v, %v; want true", ok, err)
			}
		}, // UNLINK
		pair("k", "", 0, 0), get("k", ""), pair("k", "", 0, 0), get("k", ""), // GET+PTTL, GET
		pair("j", "jv", h/2, h), pair("j", "jv", h/2, h), // GET+PTTL
		func() {
			if v, err := a.UpdateTimeout(ctx, "j", 5*h); err != nil || string(v) != "jv" {
				t.Errorf("UpdateTimeout j = %q, %v; want jv", v, err)
			}
		}, // GETEX
		pair("j", "jv", 4*h, 5*h), pair("j", "jv", 4*h, 5*h), // GET+PTTL
	)
	g.open()
	wg.Wait()
	// k: 3 x (GET+PTTL, GET) + SET + UNLINK; j: 2 x GET+PTTL + GETEX.
	if got := g.afterHeld(); len(got) != 1 || got[0] != 3*3+2+2*2+1 {
		t.Fatalf("pipelines after the held one carried %v commands; want one of 16", got)
	}
}

// TestShareReadMissingAndPersistent: followers of a read of a missing key get
// ErrNotFound (from GET's redis.Nil), and of a key without expiry NoExpiration.
func TestShareReadMissingAndPersistent(t *testing.T) {
	ctx := ctxT(t)
	a, g := gatedAdapter(t, serverURL(t))
	if err := a.Set(ctx, "forever", []byte("f"), adapter.NoExpiration); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	g.hold(t, ctx, a, &wg)
	for range 5 {
		wg.Go(func() {
			if v, ttl, err := a.GetWithTTL(ctx, "missing"); !errors.Is(err, adapter.ErrNotFound) {
				t.Errorf("GetWithTTL missing = %q, %v, %v; want ErrNotFound", v, ttl, err)
			}
		})
		wg.Go(func() {
			if v, err := a.Get(ctx, "missing"); !errors.Is(err, adapter.ErrNotFound) {
				t.Errorf("Get missing = %q, %v; want ErrNotFound", v, err)
			}
		})
		wg.Go(func() {
			if v, ttl, err := a.GetWithTTL(ctx, "forever"); err != nil || string(v) != "f" || ttl != adapter.NoExpiration {
				t.Errorf("GetWithTTL forever = %q, %v, %v; want f, NoExpiration", v, ttl, err)
			}
		})
	}
	waitQueued(t, a, 15)
	g.open()
	wg.Wait()
	if got := g.afterHeld(); len(got) != 1 || got[0] != 5 {
		t.Fatalf("pipelines after the held one carried %v commands; want one of 5", got)
	}
}

// TestShareReadWrongTypeOnlyItsKey: a key holding a hash fails its GET and
// GET+PTTL callers, leaders and followers, with WRONGTYPE (not ErrNotFound), and
// the callers of another key in the same batch get their value.
func TestShareReadWrongTypeOnlyItsKey(t *testing.T) {
	ctx := ctxT(t)
	a, g := gatedAdapter(t, serverURL(t))
	if err := a.client.HSet(ctx, a.full("h"), "f", "v").Err(); err != nil {
		t.Fatal(err)
	}
	if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	g.hold(t, ctx, a, &wg)
	wrong := func(what string, err error) {
		if err == nil || errors.Is(err, adapter.ErrNotFound) || !strings.Contains(err.Error(), "WRONGTYPE") {
			t.Errorf("%s h = %v; want WRONGTYPE", what, err)
		}
	}
	for range 4 {
		wg.Go(func() { _, err := a.Get(ctx, "h"); wrong("Get", err) })
		wg.Go(func() { _, _, err := a.GetWithTTL(ctx, "h"); wrong("GetWithTTL", err) })
		wg.Go(func() {
			if v, err := a.Get(ctx, "k"); err != nil || string(v) != "v" {
				t.Errorf("Get k = %q, %v; want v", v, err)
			}
		})
		wg.Go(func() {
			if v, ttl, err := a.GetWithTTL(ctx, "k"); err != nil || string(v) != "v" || ttl <= 0 || ttl > time.Hour {
				t.Errorf("GetWithTTL k = %q, %v, %v; want v", v, ttl, err)
			}
		})
	}
	waitQueued(t, a, 16)
	g.open()
	wg.Wait()
	if got := g.afterHeld(); len(got) != 1 || got[0] != 6 {
		t.Fatalf("pipelines after the held one carried %v commands; want one of 6", got)
	}
}

// betweenHook inserts the commands that between returns for a key right before
// every PTTL of that key in a pipeline: a write landing between GET and PTTL.
type betweenHook struct {
	between func(ctx context.Context, key string) []goredis.Cmder
}

func (h betweenHook) DialHook(next goredis.DialHook) goredis.DialHook          { return next }
func (h betweenHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook { return next }
func (h betweenHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		out := make([]goredis.Cmder, 0, len(cmds)+1)
		for _, c := range cmds {
			if args := c.Args(); len(args) == 2 && args[0] == "pttl" {
				out = append(out, h.between(ctx, args[1].(string))...)
			}
			out = append(out, c)
		}
		return next(ctx, out)
	}
}

// TestGetWithTTLChangedBetweenGetAndPTTL: a key removed between GET and PTTL
// reads as ErrNotFound, and one made persistent as NoExpiration, for every caller
// of a shared pair and on the direct path alike.
func TestGetWithTTLChangedBetweenGetAndPTTL(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cmd     string
		wantErr error
		wantTTL time.Duration
	}{
		{"unlinked", "unlink", adapter.ErrNotFound, 0},
		{"persisted", "persist", nil, adapter.NoExpiration},
	} {
		for _, pipelined := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/autopipeline=%v", tc.name, pipelined), func(t *testing.T) {
				ctx := ctxT(t)
				rdb := client(t, serverURL(t))
				rdb.AddHook(betweenHook{between: func(ctx context.Context, key string) []goredis.Cmder {
					return []goredis.Cmder{goredis.NewIntCmd(ctx, tc.cmd, key)}
				}})
				a := newTestAdapter(t, rdb, Options{AutoPipeline: pipelined})
				if pipelined {
					a.autoPipe.always = true
				}
				var wg sync.WaitGroup
				for i := range 8 {
					key := "k" + strconv.Itoa(i%2)
					if err := a.Set(ctx, key, []byte("v"), time.Hour); err != nil {
						t.Fatal(err)
					}
					wg.Go(func() {
						v, ttl, err := a.GetWithTTL(ctx, key)
						if tc.wantErr != nil {
							if !errors.Is(err, tc.wantErr) {
								t.Errorf("GetWithTTL %s = %q, %v, %v; want %v", key, v, ttl, err, tc.wantErr)
							}
							return
						}
						if err != nil || string(v) != "v" || ttl != tc.wantTTL {
							t.Errorf("GetWithTTL %s = %q, %v, %v; want v, %v", key, v, ttl, err, tc.wantTTL)
						}
					})
				}
				wg.Wait()
			})
		}
	}
}

// TestShareReadPausedServerOwnDeadlines: on a paused server, the leaders and
// followers of shared reads each return at their own deadline (DeadlineExceeded),
// whichever of them has the later one, and a caller with a far deadline gets its
// reply once the server resumes.
func TestShareReadPausedServerOwnDeadlines(t *testing.T) {
	const far = 3 * time.Minute
	for _, tc := range []struct {
		name             string
		leader, follower time.Duration
	}{
		{"followers-earlier", far, 12 * time.Second},
		{"leaders-earlier", 5 * time.Second, 12 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.StartServer(t, nil)
			a, g := gatedAdapter(t, srv.URL())
			ctx := ctxT(t)
			if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
				t.Fatal(err)
			}
			bctx, bcancel := context.WithTimeout(ctx, time.Second)
			defer bcancel()
			var wg sync.WaitGroup
			g.hold(t, bctx, a, &wg)

			start := time.Now()
			var returned atomic.Int32
			var short sync.WaitGroup // callers whose deadline passes while paused
			var long sync.WaitGroup  // callers who outlast the pause
			call := func(who string, wait time.Duration, pair bool) {
				cctx, cancel := context.WithTimeout(context.Background(), wait)
				wgp := &short
				if wait == far {
					wgp = &long
				}
				wgp.Go(func() {
					defer cancel()
					defer returned.Add(1)
					var v []byte
					var err error
					if pair {
						v, _, err = a.GetWithTTL(cctx, "k")
					} else {
						v, err = a.Get(cctx, "k")
					}
					switch {
					case wait == far && (err != nil || string(v) != "v"):
						t.Errorf("%s = %q, %v; want v once the server resumes", who, v, err)
					case wait != far && !errors.Is(err, context.DeadlineExceeded):
						t.Errorf("%s = %q, %v; want DeadlineExceeded", who, v, err)
					case wait != far && time.Since(start) < wait-time.Second:
						t.Errorf("%s returned after %v, before its deadline %v", who, time.Since(start), wait)
					}
				})
			}
			call("leader GetWithTTL", tc.leader, true)
			waitQueued(t, a, 1)
			call("leader Get", tc.leader, false)
			waitQueued(t, a, 2)
			for i := range 8 {
				call(fmt.Sprintf("follower %d", i), tc.follower, i%2 == 0)
			}
			waitQueued(t, a, 10)
			if err := srv.Pause(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = srv.Resume() })
			g.open()
			// All are taken into one batch (none left in the queue) before any
			// deadline.
			waitQueued(t, a, 0)
			if n := returned.Load(); n != 0 {
				t.Fatalf("%d callers returned before the batch took them; the test needs them in it", n)
			}
			done := make(chan struct{})
			go func() { short.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(tc.follower + time.Minute):
				t.Fatalf("callers still wait a minute past their deadline (the latest is %v)", max(tc.leader, tc.follower))
			}
			if got := g.afterHeld(); len(got) != 1 || got[0] != 3 {
				t.Errorf("pipelines after the held one carried %v commands; want one of 3 (the followers shared)", got)
			}
			if err := srv.Resume(); err != nil {
				t.Fatal(err)
			}
			long.Wait()
			wg.Wait()
		})
	}
}

// TestGetWithTTLConcurrentConsistency: under concurrency, on a standalone
// server and on a Cluster, every GetWithTTL and Get returns the value of the key
// asked (never another key's or caller's), a TTL that matches it, the caller's
// own last write after it, values never older than one the caller already saw,
// and bytes the caller may overwrite; no batch goroutine outlives the load.
func TestGetWithTTLConcurrentConsistency(t *testing.T) {
	for _, topo := range []string{"standalone", "standalone-grace", "cluster"} {
		t.Run(topo, func(t *testing.T) {
			var rawURL string
			if topo == "cluster" {
				rawURL = sharedCluster(t).URL()
			} else {
				rawURL = serverURL(t)
			}
			opts := Options{AutoPipeline: true}
			if topo == "standalone-grace" {
				opts.Grace = time.Hour // GetWithTTL is a GET, shared, its TTL from the header
			}
			a := newTestAdapter(t, client(t, rawURL), opts)
			a.autoPipe.always = true
			checkConsistency(t, a)
		})
	}
}

func checkConsistency(t *testing.T, a *Adapter) {
	ctx := ctxT(t)
	const keys, gens, readers, reads = 16, 25, 24, 300
	ttlOf := func(i int) time.Duration { return time.Duration(i+1) * 10 * time.Minute }
	key := func(i int) string { return "c" + strconv.Itoa(i) }
	for i := range keys {
		if err := a.Set(ctx, key(i), []byte(key(i)+":0"), ttlOf(i)); err != nil {
			t.Fatal(err)
		}
	}
	// check parses v, read from key i, and returns its generation.
	check := func(who string, i int, v []byte, ttl time.Duration, withTTL bool, err error) int {
		if err != nil {
			t.Errorf("%s: read %s: %v", who, key(i), err)
			return -1
		}
		s := string(v)
		for j := range v {
			v[j] = 'X' // the caller's own bytes
		}
		k, g, ok := strings.Cut(s, ":")
		gen, aerr := strconv.Atoi(g)
		if !ok || k != key(i) || aerr != nil {
			t.Errorf("%s: read %s = %q: another key's value", who, key(i), s)
			return -1
		}
		if withTTL && (ttl > ttlOf(i) || ttl <= ttlOf(i)-5*time.Minute) {
			t.Errorf("%s: read %s = %q with TTL %v; want one in (%v, %v]", who, key(i), s, ttl, ttlOf(i)-5*time.Minute, ttlOf(i))
		}
		return gen
	}
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			who := "writer of " + key(i)
			for gen := 1; gen <= gens; gen++ {
				if err := a.Set(ctx, key(i), []byte(key(i)+":"+strconv.Itoa(gen)), ttlOf(i)); err != nil {
					t.Errorf("%s: %v", who, err)
					return
				}
				v, ttl, err := a.GetWithTTL(ctx, key(i))
				if g := check(who, i, v, ttl, true, err); g != gen {
					t.Errorf("%s: GetWithTTL after writing generation %d read %d", who, gen, g)
				}
				v, err = a.Get(ctx, key(i))
				if g := check(who, i, v, 0, false, err); g != gen {
					t.Errorf("%s: Get after writing generation %d read %d", who, gen, g)
				}
			}
		})
	}
	for r := range readers {
		wg.Go(func() {
			who := "reader " + strconv.Itoa(r)
			last := make([]int, keys)
			for n := range reads {
				i := (r + n*n) % keys
				var g int
				if n%3 == 0 {
					v, err := a.Get(ctx, key(i))
					g = check(who, i, v, 0, false, err)
				} else {
					v, ttl, err := a.GetWithTTL(ctx, key(i))
					g = check(who, i, v, ttl, true, err)
				}
				if g < 0 {
					return
				}
				if g < last[i] {
					t.Errorf("%s: %s went back from generation %d to %d", who, key(i), last[i], g)
				}
				last[i] = g
			}
		})
	}
	wg.Wait()
	p := a.autoPipe
	if p.batches.Load() == 0 {
		t.Fatal("no batch was sent: the test did not exercise the auto-pipeline")
	}
	eventually(t, 10*time.Second, "batch goroutines still run after the load", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.running == 0 && len(p.queue) == 0
	})
}

// holdPipelines holds every pipeline of at least min commands, once armed, until
// released, and says when one is held.
type holdPipelines struct {
	min     int
	armed   atomic.Bool
	held    atomic.Bool
	release chan struct{}
}

func (h *holdPipelines) DialHook(next goredis.DialHook) goredis.DialHook          { return next }
func (h *holdPipelines) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook { return next }
func (h *holdPipelines) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if h.armed.Load() && len(cmds) >= h.min {
			h.held.Store(true)
			<-h.release
		}
		return next(ctx, cmds)
	}
}

// TestShareReadLeaderCallerGone: when the callers of the reads that a batch
// sends give up (ctx canceled) after the batch took them, their followers still
// get the reply, and later calls (which may reuse the leaders' queue entries)
// get their own.
func TestShareReadLeaderCallerGone(t *testing.T) {
	ctx := ctxT(t)
	a, g := gatedAdapter(t, serverURL(t))
	h := &holdPipelines{min: 3, release: make(chan struct{})}
	a.client.AddHook(h)
	release := sync.OnceFunc(func() { close(h.release) })
	t.Cleanup(release)
	if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	g.hold(t, ctx, a, &wg)
	lctx, lcancel := context.WithCancel(ctx)
	var leaders sync.WaitGroup
	leaders.Go(func() {
		if _, _, err := a.GetWithTTL(lctx, "k"); !errors.Is(err, context.Canceled) {
			t.Errorf("canceled leader GetWithTTL = %v; want Canceled", err)
		}
	})
	waitQueued(t, a, 1)
	leaders.Go(func() {
		if _, err := a.Get(lctx, "k"); !errors.Is(err, context.Canceled) {
			t.Errorf("canceled leader Get = %v; want Canceled", err)
		}
	})
	waitQueued(t, a, 2)
	for i := range 8 {
		wg.Go(func() {
			if i%2 == 0 {
				if v, ttl, err := a.GetWithTTL(ctx, "k"); err != nil || string(v) != "v" || ttl <= 0 || ttl > time.Hour {
					t.Errorf("follower GetWithTTL = %q, %v, %v; want v", v, ttl, err)
				}
			} else if v, err := a.Get(ctx, "k"); err != nil || string(v) != "v" {
				t.Errorf("follower Get = %q, %v; want v", v, err)
			}
		})
	}
	waitQueued(t, a, 10)
	h.armed.Store(true)
	g.open()
	eventually(t, 10*time.Second, "the shared batch is not held", h.held.Load)
	lcancel()
	leaders.Wait()
	// Calls made now queue behind the held batch; they must not disturb it.
	wg.Go(func() {
		if err := a.Set(ctx, "k", []byte("w"), 2*time.Hour); err != nil {
			t.Error(err)
		}
		if v, ttl, err := a.GetWithTTL(ctx, "k"); err != nil || string(v) != "w" || ttl <= time.Hour {
			t.Errorf("later GetWithTTL = %q, %v, %v; want w with a TTL over 1h", v, ttl, err)
		}
	})
	h.armed.Store(false)
	release()
	wg.Wait()
}

// TestGetWithTTLPTTLDeniedPathsAgree: for a user whose ACL denies PTTL,
// GetWithTTL fails alike whether processPair goes direct (a pipeline of the
// client) or through a batch. processPair's doc: it returns the first error other
// than redis.Nil, so a missing key (GET: redis.Nil) with PTTL denied fails with
// NOPERM, not ErrNotFound.
func TestGetWithTTLPTTLDeniedPathsAgree(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.StartServer(t, &redistest.Options{
		Users: []redistest.User{{Name: "nopttl", Password: "pw-nopttl-1", Rules: "on ~* &* +@all -pttl"}},
	})
	for _, batched := range []bool{true, false} {
		a := newTestAdapter(t, client(t, srv.UserURL("nopttl")), Options{AutoPipeline: batched})
		if batched {
			a.autoPipe.always = true
		}
		if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"k", "missing"} {
			_, _, err := a.GetWithTTL(ctx, key)
			if err == nil || errors.Is(err, adapter.ErrNotFound) || !strings.Contains(err.Error(), "NOPERM") {
				t.Errorf("autopipeline=%v: GetWithTTL %s = %v; want NOPERM (PTTL denied)", batched, key, err)
			}
		}
	}
}
