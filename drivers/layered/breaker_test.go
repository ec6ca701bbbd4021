package layered

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// TestServeStaleAnswersFromL1WhileTheBreakerIsOpen kills the Redis under a
// layered cache with ServeStaleOnL2Error: once the L2 adapter's circuit breaker is
// open, its calls fail at once with adapter.ErrUnavailable, so reads are answered
// from L1 without waiting for the network (each well under 100ms, where go-redis's
// dial retries cost every read of a closed breaker's L2 a long wait); after the
// server is back, L1 is served again.
func TestServeStaleAnswersFromL1WhileTheBreakerIsOpen(t *testing.T) {
	ctx := context.Background() // no deadline: the worst case for a read without the breaker
	srv := redistest.StartServer(t, nil)
	l2 := openRedis(t, srv.URL(), redistest.RandomPrefix())
	a := newLayered(t, newMem(t, nil), l2, &Options{ServeStaleOnL2Error: true, L1TTL: time.Hour})
	const nKeys = 10
	for i := range nKeys {
		if err := a.Set(ctx, fmt.Sprint("k", i), []byte(fmt.Sprint("v", i)), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	// Reads while the breaker is still closed reach L2 and pay go-redis's retries;
	// with the supervisor's probes they open it.
	eventually(t, 30*time.Second, "the L2 breaker opens", func() bool {
		if v, err := a.Get(ctx, "k0"); err != nil || string(v) != "v0" {
			t.Fatalf("Get while L2 is down = %q, %v; want L1's copy", v, err)
		}
		_, open := l2.BreakerOpen()
		return open
	})
	if _, err := l2.Get(ctx, "k0"); !errors.Is(err, adapter.ErrUnavailable) {
		t.Fatalf("L2 with its breaker open: %v; want adapter.ErrUnavailable", err)
	}
	const n = 50
	took := make([]time.Duration, n)
	for i := range took {
		k, want := fmt.Sprint("k", i%nKeys), fmt.Sprint("v", i%nKeys)
		start := time.Now()
		v, err := a.Get(ctx, k)
		took[i] = time.Since(start)
		switch {
		case err != nil || string(v) != want:
			t.Fatalf("Get(%s) with L2's breaker open = %q, %v; want L1's copy %q", k, v, err, want)
		case took[i] > 100*time.Millisecond:
			t.Errorf("Get(%s) with L2's breaker open took %v; want < 100ms", k, took[i])
		}
	}
	slices.Sort(took)
	t.Logf("layered serve_stale Get, L2 killed, breaker open, %d calls: p50 %v, p99 %v, max %v", n, took[n/2], took[n*99/100], took[n-1])
	start := time.Now()
	if _, ttl, err := a.GetWithTTL(ctx, "k1"); err != nil || ttl <= 0 {
		t.Errorf("GetWithTTL with L2's breaker open = %v, %v; want L1's copy and TTL", ttl, err)
	}
	if got, err := a.GetMany(ctx, []string{"k1", "k2", "k3"}); err != nil || len(got) != 3 {
		t.Errorf("GetMany with L2's breaker open = %d values, %v; want L1's copies", len(got), err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("GetWithTTL and GetMany with L2's breaker open took %v; want < 200ms", d)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	eventually(t, 30*time.Second, "L1 is served again after the server is back", a.Healthy)
	t.Logf("L1 served again %v after the server is back", time.Since(back).Round(time.Millisecond))
	if err := a.Set(ctx, "k0", []byte("new"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, err := a.Get(ctx, "k0"); err != nil || string(v) != "new" {
		t.Fatalf("Get after recovery = %q, %v", v, err)
	}
}
