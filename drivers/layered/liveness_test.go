package layered

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// TestSilentPartitionIsNoticed puts a TCP proxy between process B and Redis and
// makes it stop forwarding without closing anything. Process A, connected
// directly, then overwrites a key B holds in L1. The invalidation never reaches B,
// so B must notice the silent subscription within about the liveness interval and
// stop serving L1: well before L1TTL (a minute here) runs out.
func TestSilentPartitionIsNoticed(t *testing.T) {
	const liveness = 500 * time.Millisecond
	ctx := ctxT(t)
	srv := redistest.StartServer(t, nil)
	proxy := redistest.StartProxy(t, srv.Addr())
	prefix := redistest.RandomPrefix()
	a, _ := overRedis(t, srv.URL(), prefix, nil)
	b := observe(t, "redis://"+proxy.Addr()+"/0", prefix, Options{L1TTL: time.Minute, Liveness: liveness})
	defer proxy.Close() // before the adapters' cleanups: nothing waits on a stalled socket

	if err := a.Set(ctx, "k", []byte("old"), time.Hour); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "B receives A's invalidation", func() bool { return b.drops.Load() == 1 })
	if v, err := b.Get(ctx, "k"); err != nil || string(v) != "old" {
		t.Fatalf("B Get = %q, %v", v, err)
	}
	if _, ok := inL1(t, b.l1, "k"); !ok {
		t.Fatal("B did not cache k in L1")
	}

	proxy.Stall()
	stalled := time.Now()
	if err := a.Set(ctx, "k", []byte("new"), time.Hour); err != nil {
		t.Fatal(err)
	}
	// B reads with short deadlines: once it stops serving L1, its reads go to Redis
	// through the stalled proxy and fail, which is right: it cannot know the value.
	read := func() (string, error) {
		rctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		v, err := b.Get(rctx, "k")
		return string(v), err
	}
	bound := 5 * liveness
	var noticed time.Duration
	for {
		v, err := read()
		if err != nil || v != "old" {
			noticed = time.Since(stalled)
			break
		}
		if since := time.Since(stalled); since > bound {
			t.Fatalf("B served the overwritten value for %v through a silent partition (liveness %v, L1TTL %v)",
				since, liveness, b.L1TTL())
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("B stopped serving its L1 copy %v after the stall (liveness %v)", noticed, liveness)
	// OnReset runs just after L1 stops being served: give it a moment.
	eventually(t, 5*time.Second, "B reports the reset", func() bool { return b.resets.Load() > 0 })
	if b.Healthy() {
		t.Error("B reports itself healthy through a silent partition")
	}
	for range 5 {
		if v, err := read(); err == nil && v == "old" {
			t.Fatal("B served the overwritten value again while partitioned")
		}
	}

	proxy.Resume()
	eventually(t, 30*time.Second, "B serves L1 again once the partition heals", b.Healthy)
	if v, err := b.Get(ctx, "k"); err != nil || string(v) != "new" {
		t.Errorf("B Get after the partition healed = %q, %v; want A's value", v, err)
	}
	if _, err := b.Get(ctx, "missing"); !errors.Is(err, adapter.ErrNotFound) {
		t.Errorf("B Get(missing) = %v", err)
	}
}
