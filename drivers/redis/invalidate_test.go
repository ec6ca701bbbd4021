package redis

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

func TestInvalidationMessageRoundTrip(t *testing.T) {
	var id [idLen]byte
	copy(id[:], "0123456789abcdef")
	for _, keys := range [][]string{
		{"k"},
		{"a", "b", "c"},
		{"\x00\xff binary \n key", strings.Repeat("long", 100), "ü"},
		{strings.Repeat("x", adapter.MaxKeyLen)},
	} {
		msg := encodeInvalidation(id, keys)
		gotID, got, err := decodeInvalidation(string(msg))
		if err != nil || gotID != id || !slices.Equal(got, keys) {
			t.Errorf("round trip of %d keys: %v, %d keys, %v", len(keys), gotID == id, len(got), err)
		}
	}
	// Compact: one version byte, 16 id bytes, then length-prefixed keys.
	if n := len(encodeInvalidation(id, []string{"abc"})); n != 1+16+1+3 {
		t.Errorf("message of one 3-byte key is %d bytes", n)
	}
	good := string(encodeInvalidation(id, []string{"abc"}))
	for _, bad := range []string{"", "\x01short", "\x02" + good[1:], good[:len(good)-1], good + "\x05ab"} {
		if _, _, err := decodeInvalidation(bad); err == nil {
			t.Errorf("decodeInvalidation(%q) accepted", bad)
		}
	}
}

// recorder collects what a subscription delivers.
type recorder struct {
	mu     sync.Mutex
	keys   []string
	from   []string
	resets int
	events []string // "keys" and "reset", in order
}

func (r *recorder) onKeys(keys []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = append(r.keys, keys...)
	r.events = append(r.events, "keys")
}

func (r *recorder) onAll(from string, keys []string) {
	r.mu.Lock()
	for range keys {
		r.from = append(r.from, from)
	}
	r.mu.Unlock()
	r.onKeys(keys)
}

func (r *recorder) onReset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resets++
	r.events = append(r.events, "reset")
}

func (r *recorder) has(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.keys, key)
}

func (r *recorder) snapshot() (keys, from, events []string, resets int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.keys), slices.Clone(r.from), slices.Clone(r.events), r.resets
}

func TestPublishSubscribeBetweenAdapters(t *testing.T) {
	ctx := ctxT(t)
	raw := serverURL(t)
	prefix := redistest.RandomPrefix()
	a := newTestAdapter(t, client(t, raw), Options{Prefix: prefix})
	b := newTestAdapter(t, client(t, raw), Options{Prefix: prefix})
	stranger := newTestAdapter(t, client(t, raw), Options{}) // another prefix: another channel
	if a.InstanceID() == b.InstanceID() || len(a.InstanceID()) != 32 {
		t.Fatalf("instance ids %q and %q", a.InstanceID(), b.InstanceID())
	}
	if a.Channel() != DefaultChannelPrefix+prefix {
		t.Errorf("Channel() = %q", a.Channel())
	}

	var onB, onA, allA, onStranger recorder
	stopB, err := b.Subscribe(ctx, onB.onKeys, onB.onReset)
	if err != nil {
		t.Fatal(err)
	}
	defer stopB()
	stopA, err := a.Subscribe(ctx, onA.onKeys, onA.onReset)
	if err != nil {
		t.Fatal(err)
	}
	defer stopA()
	stopAll, err := a.SubscribeAll(ctx, allA.onAll, allA.onReset)
	if err != nil {
		t.Fatal(err)
	}
	defer stopAll()
	stopS, err := stranger.Subscribe(ctx, onStranger.onKeys, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stopS()

	binary := "\x00\xffkey with\nnewline"
	if err := a.Publish(ctx, "k1", binary); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "from-b"); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish(ctx); err != nil { // no keys: nothing sent
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "B did not receive A's keys", func() bool { return onB.has("k1") && onB.has(binary) })
	eventually(t, 5*time.Second, "A did not receive B's key", func() bool { return onA.has("from-b") })
	eventually(t, 5*time.Second, "SubscribeAll missed a message", func() bool { return allA.has("k1") && allA.has("from-b") })
	time.Sleep(100 * time.Millisecond) // let any stray delivery arrive

	if keys, _, _, resets := onA.snapshot(); slices.Contains(keys, "k1") || resets != 0 {
		t.Errorf("A's Subscribe got its own keys or resets: %q, %d resets", keys, resets)
	}
	if keys, _, _, _ := onB.snapshot(); slices.Contains(keys, "from-b") {
		t.Errorf("B's Subscribe got its own key: %q", keys)
	}
	keys, from, _, _ := allA.snapshot()
	for i, k := range keys {
		want := a.InstanceID()
		if k == "from-b" {
			want = b.InstanceID()
		}
		if i < len(from) && from[i] != want {
			t.Errorf("SubscribeAll: key %q from %q, want %q", k, from[i], want)
		}
	}
	if keys, _, _, _ := onStranger.snapshot(); len(keys) != 0 {
		t.Errorf("an adapter with another prefix received %q", keys)
	}
}

func TestSubscribeStopAndCloseEndTheGoroutine(t *testing.T) {
	ctx := ctxT(t)
	raw := serverURL(t)
	base := runtime.NumGoroutine()
	c := client(t, raw)
	a, err := New(c, &Options{Prefix: redistest.RandomPrefix()})
	if err != nil {
		t.Fatal(err)
	}
	stop, err := a.Subscribe(ctx, func([]string) {}, func() {})
	if err != nil {
		t.Fatal(err)
	}
	stop()
	stop() // twice is fine
	stop2, err := a.Subscribe(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.SubscribeAll(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil { // stops both
		t.Fatal(err)
	}
	stop2() // after Close: still fine
	_ = c.Close()
	eventually(t, 5*time.Second, "subscription goroutines leaked", func() bool {
		return runtime.NumGoroutine() <= base+1
	})
	if _, err := a.Subscribe(ctx, nil, nil); !errors.Is(err, adapter.ErrClosed) {
		t.Errorf("Subscribe after Close = %v", err)
	}
	if err := a.Publish(ctx, "k"); !errors.Is(err, adapter.ErrClosed) {
		t.Errorf("Publish after Close = %v", err)
	}
}

func TestSubscribeFailsWithoutAServer(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.StartServer(t, nil)
	raw := srv.URL()
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	a, err := OpenURL(ctx, raw+"?lazy=true")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	start := time.Now()
	if _, err := a.Subscribe(ctx, nil, nil); err == nil {
		t.Fatal("Subscribe to a dead server succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Subscribe took %v to fail", d)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.Subscribe(cctx, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Subscribe with a cancelled ctx = %v", err)
	}
}

func TestSubscribeResetsWhenTheServerRestarts(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.StartServer(t, nil)
	prefix := redistest.RandomPrefix()
	a := newTestAdapter(t, client(t, srv.URL()), Options{Prefix: prefix})
	b := newTestAdapter(t, client(t, srv.URL()), Options{Prefix: prefix})
	var rec recorder
	stop, err := b.Subscribe(ctx, rec.onKeys, rec.onReset)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := a.Publish(ctx, "before"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "no message before the restart", func() bool { return rec.has("before") })

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "no reset after the server restarted", func() bool {
		_, _, _, resets := rec.snapshot()
		return resets > 0
	})
	// Once re-subscribed, messages flow again; publish until one arrives.
	eventually(t, 15*time.Second, "no message after the restart", func() bool {
		_ = a.Publish(ctx, "after")
		return rec.has("after")
	})
	_, _, events, resets := rec.snapshot()
	t.Logf("events: %v", events)
	if resets < 1 {
		t.Fatalf("resets = %d", resets)
	}
	// A reset must come after the outage was over: the re-subscription's
	// confirmation, i.e. after the last failure and before "after" arrived.
	iAfter := slices.Index(events[1:], "keys") + 1 // events[0] is "before"
	if iAfter < 1 || events[iAfter-1] != "reset" {
		t.Errorf("events %v: want a reset right before the first message after the restart", events)
	}
}

func TestSubscribeNoticesASilentServer(t *testing.T) {
	old := pingInterval
	pingInterval = 250 * time.Millisecond
	defer func() { pingInterval = old }()

	ctx := ctxT(t)
	srv := redistest.StartServer(t, nil)
	prefix := redistest.RandomPrefix()
	a := newTestAdapter(t, client(t, srv.URL()+"?read_timeout=500ms"), Options{Prefix: prefix})
	b := newTestAdapter(t, client(t, srv.URL()+"?read_timeout=500ms"), Options{Prefix: prefix})
	var rec recorder
	stop, err := b.Subscribe(ctx, rec.onKeys, rec.onReset)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	time.Sleep(3 * pingInterval) // idle: pings are answered, no reset
	if _, _, _, resets := rec.snapshot(); resets != 0 {
		t.Fatalf("%d resets on an idle, healthy connection", resets)
	}
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "a frozen server went unnoticed", func() bool {
		_, _, _, resets := rec.snapshot()
		return resets > 0
	})
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "no message after the server resumed", func() bool {
		_ = a.Publish(ctx, "back")
		return rec.has("back")
	})
	_, _, _, resets := rec.snapshot()
	if resets < 2 {
		t.Errorf("resets = %d, want one when the server froze and one when it came back", resets)
	}
}
