package layered

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// reads are a Report's read counters: L1 hits, L1 misses, L2 hits, L2 misses.
type reads [4]uint64

func readsOf(r adapter.Report) reads { return reads{r.L1Hits, r.L1Misses, r.L2Hits, r.L2Misses} }

// checkReads runs f and fails the test unless it moved a's read counters by want.
func checkReads(t *testing.T, a *Adapter, name string, want reads, f func()) {
	t.Helper()
	before := readsOf(a.Report())
	f()
	after := readsOf(a.Report())
	var got reads
	for i := range got {
		got[i] = after[i] - before[i]
	}
	if got != want {
		t.Errorf("%s moved [L1 hits, L1 misses, L2 hits, L2 misses] by %v; want %v", name, got, want)
	}
}

// TestReportReads: each read counts the keys it looked up in each layer, where it
// found them: an L1 hit moves L1Hits only; a miss in both layers moves L1Misses
// and L2Misses; GetWithTTL asks L2 only; GetMany counts each key; writes count no
// read. L1's memory counters are L1's, not L2's.
func TestReportReads(t *testing.T) {
	ctx := ctxT(t)
	l1 := newMem(t, &memory.Options{MaxCost: 1 << 20})
	l2 := newMem(t, nil) // no Invalidator: L1 is always served
	a := newLayered(t, l1, l2, nil)
	if r := a.Report(); r.Driver != "layered" || readsOf(r) != (reads{}) || r.MemoryMaxCost != 1<<20 ||
		r.InvalidationsPublished != 0 || r.Resets != 0 || r.BreakerOpen || r.PipelineBatches != 0 {
		t.Fatalf("Report of a new adapter = %+v", r)
	}
	get := func(key, want string) func() {
		return func() {
			t.Helper()
			v, err := a.Get(ctx, key)
			if want == "" && !errors.Is(err, adapter.ErrNotFound) || want != "" && string(v) != want {
				t.Fatalf("Get(%s) = %q, %v; want %q", key, v, err, want)
			}
		}
	}
	view := func(key string) func() {
		return func() { _ = a.View(ctx, key, func([]byte) error { return nil }) }
	}
	decode := func(b []byte) (any, error) { return string(b), nil }

	checkReads(t, a, "Set", reads{}, func() {
		if err := a.Set(ctx, "k1", []byte("v1"), time.Hour); err != nil {
			t.Fatal(err)
		}
	})
	checkReads(t, a, "Get of a key in L1", reads{1, 0, 0, 0}, get("k1", "v1"))
	checkReads(t, a, "Get of a missing key", reads{0, 1, 0, 1}, get("nope", ""))
	if err := l2.Set(ctx, "k2", []byte("v2"), time.Hour); err != nil {
		t.Fatal(err)
	}
	checkReads(t, a, "Get of a key only L2 holds", reads{0, 1, 1, 0}, get("k2", "v2"))
	checkReads(t, a, "Get of the key it back-filled", reads{1, 0, 0, 0}, get("k2", "v2"))
	checkReads(t, a, "View of a key in L1", reads{1, 0, 0, 0}, view("k1"))
	checkReads(t, a, "View of a missing key", reads{0, 1, 0, 1}, view("nope"))
	checkReads(t, a, "GetMemo of a key in L1", reads{1, 0, 0, 0}, func() { _, _ = a.GetMemo(ctx, "k1", "tag", decode) })
	checkReads(t, a, "GetMemo of a missing key", reads{0, 1, 0, 1}, func() { _, _ = a.GetMemo(ctx, "nope", "tag", decode) })
	checkReads(t, a, "GetWithTTL of a key", reads{0, 0, 1, 0}, func() { _, _, _ = a.GetWithTTL(ctx, "k1") })
	checkReads(t, a, "GetWithTTL of a missing key", reads{0, 0, 0, 1}, func() { _, _, _ = a.GetWithTTL(ctx, "nope") })
	checkReads(t, a, "GetStale of a key in L1", reads{1, 0, 0, 0}, func() { _, _, _ = a.GetStale(ctx, "k1") })
	checkReads(t, a, "GetStale of a missing key", reads{0, 1, 0, 1}, func() { _, _, _ = a.GetStale(ctx, "nope") })
	if err := l2.Set(ctx, "k3", []byte("v3"), time.Hour); err != nil {
		t.Fatal(err)
	}
	checkReads(t, a, "GetMany of 2 keys in L1, 1 in L2 and 1 missing", reads{2, 2, 1, 1}, func() {
		if m, err := a.GetMany(ctx, []string{"k1", "k2", "k3", "nope"}); err != nil || len(m) != 3 {
			t.Fatalf("GetMany = %v, %v", m, err)
		}
	})
	checkReads(t, a, "writes", reads{}, func() {
		_ = a.SetMany(ctx, map[string][]byte{"k4": nil, "k5": nil}, time.Hour)
		_, _ = a.UpdateTimeout(ctx, "k1", time.Minute)
		_, _ = a.Remove(ctx, "k4", "k5")
		_ = a.Clear(ctx, "x:")
	})

	r, m := a.Report(), l1.Report()
	if r.MemoryCost != m.MemoryCost || r.MemoryMaxCost != m.MemoryMaxCost || r.Evictions != m.Evictions || r.Rejected != m.Rejected {
		t.Errorf("Report %+v does not carry L1's memory counters %+v", r, m)
	}
	if r.InvalidationsPublished != 0 || r.InvalidationsReceived != 0 || r.Resets != 0 {
		t.Errorf("Report without an Invalidator = %+v", r)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if after := a.Report(); readsOf(after) != readsOf(r) || after.Driver != "layered" {
		t.Errorf("Report after Close = %+v; want the counters kept", after)
	}
}

// TestReportL1Evictions: the evictions of a bounded L1 show in the layered report.
func TestReportL1Evictions(t *testing.T) {
	ctx := ctxT(t)
	l1 := newMem(t, &memory.Options{MaxCost: 64 << 10})
	a := newLayered(t, l1, newMem(t, nil), nil)
	for i := range 200 {
		if err := a.Set(ctx, fmt.Sprint("k", i), make([]byte, 1000), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	r := a.Report()
	if r.Evictions == 0 || r.Evictions != l1.Report().Evictions || r.MemoryCost > 64<<10 {
		t.Errorf("Report after writing 3 times L1's bound = %+v; L1's: %+v", r, l1.Report())
	}
}

// TestReportReadsConcurrent: reads on many goroutines are all counted (the
// counters are striped, not sampled), and Report may be called meanwhile.
func TestReportReadsConcurrent(t *testing.T) {
	ctx := ctxT(t)
	a := newLayered(t, newMem(t, nil), newMem(t, nil), nil)
	if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	const workers, per = 8, 2000
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range per {
				key := "k"
				if i%4 == 0 {
					key = "missing"
				}
				_, _ = a.Get(ctx, key)
				if i%100 == 0 {
					_ = a.Report()
				}
			}
		})
	}
	wg.Wait()
	const misses = workers * per / 4
	if got := readsOf(a.Report()); got != (reads{workers*per - misses, misses, 0, misses}) {
		t.Errorf("%d reads, %d of a missing key: counted %v", workers*per, misses, got)
	}
}

// TestReportInvalidations runs two layered adapters over one Redis: a write
// announces its keys (InvalidationsPublished of the writer), which reach the
// other adapter (its InvalidationsReceived) and drop its L1 copy (its next read
// misses L1 and hits L2); an adapter does not count its own announcements as
// received, nor its probes; a Clear counts as one key. The pipeline counters are
// the redis L2's.
func TestReportInvalidations(t *testing.T) {
	ctx := ctxT(t)
	prefix := redistest.RandomPrefix()
	a, _ := overRedis(t, serverURL(t), prefix, nil)
	b := observe(t, serverURL(t), prefix, Options{})
	if ra, rb := a.Report(), b.Report(); ra.InvalidationsPublished != 0 || rb.InvalidationsPublished != 0 || rb.InvalidationsReceived != 0 {
		t.Fatalf("Reports of new adapters (their probes are not invalidations): %+v, %+v", ra, rb)
	}
	received := func(n uint64) {
		t.Helper()
		eventually(t, 10*time.Second, fmt.Sprintf("B did not count %d keys received", n), func() bool {
			return b.Report().InvalidationsReceived == n
		})
	}
	if err := a.Set(ctx, "k", []byte("v1"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if r := a.Report(); r.InvalidationsPublished != 1 {
		t.Errorf("A's Report after a Set = %+v; want 1 key published", r)
	}
	received(1)
	checkReads(t, b.Adapter, "B's first Get", reads{0, 1, 1, 0}, func() { _, _ = b.Get(ctx, "k") })
	checkReads(t, b.Adapter, "B's second Get", reads{1, 0, 0, 0}, func() { _, _ = b.Get(ctx, "k") })

	if err := a.Set(ctx, "k", []byte("v2"), time.Hour); err != nil {
		t.Fatal(err)
	}
	received(2)
	checkReads(t, b.Adapter, "B's Get after A's write", reads{0, 1, 1, 0}, func() {
		if v, err := b.Get(ctx, "k"); err != nil || string(v) != "v2" {
			t.Fatalf("B Get = %q, %v", v, err)
		}
	})
	if err := a.Clear(ctx, "x:"); err != nil {
		t.Fatal(err)
	}
	received(3)
	if _, err := a.Remove(ctx, "k", "j"); err != nil {
		t.Fatal(err)
	}
	received(5)
	ra, rb := a.Report(), b.Report()
	if ra.InvalidationsPublished != 5 || ra.InvalidationsReceived != 0 || rb.InvalidationsPublished != 0 {
		t.Errorf("A: %+v, B: %+v; want 5 keys published by A, none received by A nor published by B", ra, rb)
	}
	if ra.Resets != 0 || rb.Resets != 0 {
		t.Errorf("resets without an outage: %d, %d", ra.Resets, rb.Resets)
	}
	l2 := a.L2().(adapter.Reporter).Report()
	if ra.PipelineBatches != l2.PipelineBatches || ra.PipelineCommands != l2.PipelineCommands || ra.BreakerOpen || ra.BreakerOpens != 0 {
		t.Errorf("A's Report %+v does not carry its L2's pipeline and breaker %+v", ra, l2)
	}
}

// TestReportOutage kills the Redis under a layered adapter that serves stale
// values: the L2's breaker opens (BreakerOpen, BreakerOpens), L1 stops being
// served (Resets, as often as Options.OnReset is called), reads are then answered
// by the fallback to L1 (an L1 hit, and neither an L2 hit nor a miss); after a
// restart the breaker closes and L1 is served again.
func TestReportOutage(t *testing.T) {
	ctx := context.Background()
	srv := redistest.StartServer(t, nil)
	a := observe(t, srv.URL(), redistest.RandomPrefix(), Options{ServeStaleOnL2Error: true, L1TTL: time.Hour})
	if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the L2 breaker did not open", func() bool {
		_, _ = a.Get(ctx, "other")
		return a.Report().BreakerOpen
	})
	r := a.Report()
	if r.BreakerOpens != 1 || r.Resets == 0 {
		t.Errorf("Report with L2's breaker open = %+v; want 1 opening and a reset", r)
	}
	checkReads(t, a.Adapter, "Get from L1 while L2 is down", reads{1, 0, 0, 0}, func() {
		if v, err := a.Get(ctx, "k"); err != nil || string(v) != "v" {
			t.Fatalf("Get while L2 is down = %q, %v; want L1's copy", v, err)
		}
	})

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "L1 is not served again after the restart", func() bool {
		r := a.Report()
		return a.Healthy() && !r.BreakerOpen && r.Resets == uint64(a.resets.Load())
	})
	if r := a.Report(); r.BreakerOpens == 0 || r.Resets == 0 {
		t.Errorf("Report after recovery = %+v", r)
	}
}
