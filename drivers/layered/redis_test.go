package layered

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// observed is a layered adapter over Redis that records when its resets happen.
type observed struct {
	*Adapter
	l1      *memory.Adapter
	resetAt atomic.Int64 // UnixNano of the first reset, 0 before
	resets  atomic.Int64
	drops   atomic.Int64 // invalidations received
}

func observe(t *testing.T, rawURL, prefix string, opts Options, redisParams ...string) *observed {
	t.Helper()
	o := &observed{}
	opts.OnReset = func() {
		o.resetAt.CompareAndSwap(0, time.Now().UnixNano())
		o.resets.Add(1)
	}
	opts.OnInvalidate = func([]string) { o.drops.Add(1) }
	o.Adapter, o.l1 = overRedis(t, rawURL, prefix, &opts, redisParams...)
	return o
}

// TestRedisRestartNeverServesWhatRedisLost restarts Redis (without persistence, so
// its data is gone) under a reader that hammers a key it had cached in L1. Once the
// reset has been delivered, no read may return the value Redis no longer has.
func TestRedisRestartNeverServesWhatRedisLost(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.StartServer(t, nil)
	prefix := redistest.RandomPrefix()
	writer, _ := overRedis(t, srv.URL(), prefix, nil)
	b := observe(t, srv.URL(), prefix, Options{})

	if err := writer.Set(ctx, "k", []byte("before restart"), time.Hour); err != nil {
		t.Fatal(err)
	}
	// Pub/sub is asynchronous: let the invalidation arrive before B reads, or it
	// would (rightly) drop what B back-fills.
	eventually(t, 10*time.Second, "B receives the invalidation", func() bool { return b.drops.Load() == 1 })
	if v, err := b.Get(ctx, "k"); err != nil || string(v) != "before restart" {
		t.Fatalf("B Get = %q, %v", v, err)
	}
	if _, ok := inL1(t, b.l1, "k"); !ok {
		t.Fatal("B did not cache k in L1")
	}

	type read struct {
		start time.Time
		value string
		err   error
	}
	var (
		reads []read
		stop  atomic.Bool
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		for !stop.Load() {
			start := time.Now()
			v, err := b.Get(ctx, "k")
			reads = append(reads, read{start, string(v), err})
			time.Sleep(100 * time.Microsecond)
		}
	})
	time.Sleep(20 * time.Millisecond)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "B serves L1 again after the restart", b.Healthy)
	time.Sleep(20 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	resetAt := b.resetAt.Load()
	if resetAt == 0 {
		t.Fatal("no reset was delivered")
	}
	var hits, failures, misses, stale int
	for _, r := range reads {
		switch {
		case r.err == nil && r.start.UnixNano() > resetAt:
			stale++
			t.Errorf("a read that started %v after the reset returned %q, which Redis lost in the restart",
				time.Duration(r.start.UnixNano()-resetAt), r.value)
		case r.err == nil:
			hits++
		case errors.Is(r.err, adapter.ErrNotFound):
			misses++
		default:
			failures++
		}
	}
	t.Logf("%d reads: %d L1 hits before the reset, %d L2 errors while Redis was down, %d misses after; %d resets",
		len(reads), hits, failures, misses, b.resets.Load())
	if misses == 0 {
		t.Error("no read saw the empty restarted Redis")
	}
	if _, err := b.Get(ctx, "k"); !errors.Is(err, adapter.ErrNotFound) {
		t.Errorf("B Get after the restart = %v, want a miss", err)
	}
	// And coherence works again on the new server.
	if err := writer.Set(ctx, "k", []byte("after restart"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, err := b.Get(ctx, "k"); err != nil || string(v) != "after restart" {
		t.Fatalf("B Get = %q, %v", v, err)
	}
	if err := writer.Set(ctx, "k", []byte("again"), time.Hour); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "B drops k after the writer's overwrite", func() bool {
		_, ok := inL1(t, b.l1, "k")
		return !ok
	})
}

// TestRedisDown stops Redis under two readers, one with ServeStaleOnL2Error and one
// without, and a writer: writes return errors and leave no L1 newer than L2, reads
// return L2's error unless stale serving is on and L1 has the key.
func TestRedisDown(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.StartServer(t, nil)
	prefix := redistest.RandomPrefix()
	// No go-redis retries: each call to the stopped server fails after its dial
	// retries alone (about 0.5s).
	strict := observe(t, srv.URL(), prefix, Options{}, "max_retries=-1")
	lenient := observe(t, srv.URL(), prefix, Options{ServeStaleOnL2Error: true}, "max_retries=-1")

	if err := strict.Set(ctx, "k", []byte("v1"), time.Hour); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the invalidation arrives", func() bool { return lenient.drops.Load() == 1 })
	for _, p := range []*observed{strict, lenient} {
		if v, err := p.Get(ctx, "k"); err != nil || string(v) != "v1" {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*observed{strict, lenient} {
		eventually(t, 10*time.Second, "the reset is delivered", func() bool { return p.resets.Load() > 0 })
		if p.Healthy() {
			t.Fatal("healthy while Redis is down")
		}
	}

	if v, err := strict.Get(ctx, "k"); err == nil || errors.Is(err, adapter.ErrNotFound) {
		t.Errorf("without stale serving: Get = %q, %v; want Redis's error", v, err)
	}
	if v, err := lenient.Get(ctx, "k"); err != nil || string(v) != "v1" {
		t.Errorf("with stale serving: Get = %q, %v; want L1's copy", v, err)
	}
	if _, err := lenient.Get(ctx, "never-cached"); err == nil || errors.Is(err, adapter.ErrNotFound) {
		t.Errorf("with stale serving, a key L1 lacks: %v; want Redis's error", err)
	}

	// Writes return the error and leave L1 no newer than L2 (which still has, or
	// after a restart will have lost, the old value: never the new one).
	for name, p := range map[string]*observed{"strict": strict, "lenient": lenient} {
		if err := p.Set(ctx, "k", []byte("v2"), time.Hour); err == nil {
			t.Errorf("%s: Set with Redis down succeeded", name)
		}
		if _, err := p.Remove(ctx, "k"); err == nil {
			t.Errorf("%s: Remove with Redis down succeeded", name)
		}
		if _, err := p.UpdateTimeout(ctx, "k", time.Hour); err == nil {
			t.Errorf("%s: UpdateTimeout with Redis down succeeded", name)
		}
		if v, ok := inL1(t, p.l1, "k"); ok {
			t.Errorf("%s: L1 holds %q after writes Redis refused", name, v)
		}
		if err := p.Ping(ctx); err == nil {
			t.Errorf("%s: Ping with Redis down succeeded", name)
		}
	}
	if _, err := lenient.Get(ctx, "k"); err == nil {
		t.Error("with stale serving, a key whose write failed is still served from L1")
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*observed{"strict": strict, "lenient": lenient} {
		eventually(t, 30*time.Second, name+" recovers", p.Healthy)
		if _, err := p.Get(ctx, "k"); !errors.Is(err, adapter.ErrNotFound) {
			t.Errorf("%s: Get after the restart = %v, want a miss", name, err)
		}
	}
}

// TestNoGoroutineOutlivesClose opens and closes layered adapters of every kind (with
// the Redis subscription and the supervisor, also while Redis is down) and checks
// that the number of goroutines comes back to where it was.
func TestNoGoroutineOutlivesClose(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.StartServer(t, nil)
	down := redistest.StartServer(t, nil)
	downURL := down.URL()
	if err := down.Stop(); err != nil {
		t.Fatal(err)
	}
	b := newBus(t)
	settle := func() int {
		runtime.GC()
		time.Sleep(50 * time.Millisecond)
		return runtime.NumGoroutine()
	}
	base := settle()

	for range 3 {
		var all []*Adapter
		mm, err := New(mustMem(t), mustMem(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, mm)
		for _, withAll := range []bool{false, true} {
			var l2 adapter.Adapter = b.l2()
			if withAll {
				l2 = busL2All{l2.(*busL2)}
			}
			ba, err := New(mustMem(t), l2, nil)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ba)
		}
		r, err := New(mustMem(t), openRedis(t, srv.URL(), redistest.RandomPrefix()), nil)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
		// Redis unreachable from the start (lazy): the supervisor keeps trying to
		// subscribe until Close.
		lazy, err := New(mustMem(t), openRedis(t, downURL, redistest.RandomPrefix(), "lazy=true", "max_retries=-1"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if lazy.Healthy() {
			t.Error("healthy without a subscription")
		}
		all = append(all, lazy)
		for _, a := range all[:len(all)-1] {
			_ = a.Set(ctx, "k", []byte("v"), time.Minute)
			_, _ = a.Get(ctx, "k")
			_, _ = a.Get(ctx, "missing")
		}
		// A failed write queues its invalidation for the supervisor to re-publish.
		// (Each call to the unreachable server takes go-redis's dial retries.)
		_ = lazy.Set(ctx, "k", []byte("v"), time.Minute)
		time.Sleep(100 * time.Millisecond) // let the supervisors run
		for _, a := range all {
			if err := a.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	n := settle()
	for n > base && time.Now().Before(deadline) {
		n = settle()
	}
	t.Logf("%d goroutines before, %d after", base, n)
	if n > base {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

// mustMem returns a memory adapter the caller (a layered adapter) closes.
func mustMem(t *testing.T) *memory.Adapter {
	t.Helper()
	m, err := memory.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
