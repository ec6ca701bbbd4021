package memory_test

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
)

// held returns how many of keys a holds.
func held(t *testing.T, a *memory.Adapter, keys []string) int {
	t.Helper()
	m, err := a.GetMany(bg, keys)
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

// TestReportEvictions fills a small cache far past its bound, one write at a time:
// every entry written is then held, evicted or rejected, exactly once, so
// Evictions accounts for every entry the cache dropped to stay within MaxCost
// (whether ristretto's policy evicted it, or the admission window let it go and
// ristretto declined it). Writes within the bound, overwrites, Remove, Clear and
// Close evict nothing.
func TestReportEvictions(t *testing.T) {
	const maxCost = 64 << 10
	a := open(t, &memory.Options{MaxCost: maxCost})
	value := make([]byte, 1000) // about 1.2 KiB per entry: some 50 fit
	r := a.Report()
	if r.Driver != "memory" || r.MemoryMaxCost != maxCost || r.MemoryCost != 0 || r.Evictions != 0 || r.Rejected != 0 {
		t.Fatalf("Report of a new adapter = %+v", r)
	}

	small := keys("small:", 20)
	for _, k := range small {
		mustSet(t, a, k, value, adapter.NoExpiration)
	}
	for _, k := range small[:10] {
		mustSet(t, a, k, value[:500], time.Hour) // overwrites
	}
	if _, err := a.Remove(bg, small[10:]...); err != nil {
		t.Fatal(err)
	}
	if r := a.Report(); r.Evictions != 0 || r.Rejected != 0 || r.MemoryCost <= 0 || r.MemoryCost > maxCost {
		t.Fatalf("Report within the bound = %+v; want no evictions, a cost within %d", r, maxCost)
	}
	if err := a.Clear(bg, ""); err != nil {
		t.Fatal(err)
	}
	if r := a.Report(); r.Evictions != 0 || r.MemoryCost != 0 {
		t.Fatalf("Report after Clear = %+v; want no evictions and no cost", r)
	}

	// Frequently read entries first, so that ristretto's admission declines most
	// of the entries the admission window lets go (rather than evicting for them).
	hot := keys("hot:", 30)
	for _, k := range hot {
		mustSet(t, a, k, value, adapter.NoExpiration)
	}
	for range 50 {
		for _, k := range hot {
			_, _ = a.Get(bg, k)
		}
	}
	const n = 1000 // about 18 times the bound
	all := keys("fill:", n-len(hot))
	for _, k := range all {
		mustSet(t, a, k, value, adapter.NoExpiration)
	}
	r = a.Report()
	kept := held(t, a, append(hot, all...))
	t.Logf("%d writes: %d held, report %+v", n, kept, r)
	if r.Evictions == 0 || r.MemoryCost > maxCost || r.MemoryCost <= 0 {
		t.Fatalf("Report after %d writes into a bound of %d = %+v; want evictions and a cost within the bound", n, maxCost, r)
	}
	if got := uint64(kept) + r.Evictions + r.Rejected; got != n {
		t.Errorf("%d held + %d evicted + %d rejected = %d; want every one of the %d entries written, once", kept, r.Evictions, r.Rejected, got, n)
	}
	if st := a.Stats(); st.Rejected != r.Rejected || st.MaxCost != r.MemoryMaxCost {
		t.Errorf("Stats %+v and Report %+v disagree", st, r)
	}

	// Emptying the cache is no eviction: by prefix, whole, and by Close.
	if err := a.Clear(bg, "fill:1"); err != nil {
		t.Fatal(err)
	}
	if got := a.Report().Evictions; got != r.Evictions {
		t.Errorf("Evictions went from %d to %d with Clear of a prefix", r.Evictions, got)
	}
	if err := a.Clear(bg, ""); err != nil {
		t.Fatal(err)
	}
	if got := a.Report().Evictions; got != r.Evictions {
		t.Errorf("Evictions went from %d to %d with Clear", r.Evictions, got)
	}
	for _, k := range all[:40] { // refill below the bound, for Close to drop
		mustSet(t, a, k, value, adapter.NoExpiration)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	// Close frees the entries in the background, but Report says so at once: a
	// closed adapter reports no cost (as Stats does).
	after := a.Report()
	if after.Evictions != r.Evictions {
		t.Fatalf("Evictions went from %d to %d with Close", r.Evictions, after.Evictions)
	}
	if after.MemoryCost != 0 || after.MemoryMaxCost != maxCost || after.Driver != "memory" {
		t.Fatalf("Report after Close = %+v", after)
	}
}

// TestReportExpiryIsNoEviction: entries the sweeper removes because they expired
// are not evictions.
func TestReportExpiryIsNoEviction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := open(t, &memory.Options{MaxCost: 64 << 10})
		for _, k := range keys("ttl:", 40) {
			mustSet(t, a, k, make([]byte, 1000), 50*time.Millisecond)
		}
		if c := costAfter(a, 0); c == 0 {
			t.Fatal("nothing stored")
		}
		if c := costAfter(a, 3*sweepEvery); c != 0 {
			t.Fatalf("Stats.Cost = %d after the entries expired and were swept", c)
		}
		if r := a.Report(); r.Evictions != 0 || r.Rejected != 0 {
			t.Errorf("Report after expiry = %+v; want no evictions", r)
		}
	})
}

// TestReportRejected: Report's Rejected is Stats's. A write larger than the
// admission window that ristretto's admission declines in a cache full of
// frequently read entries is rejected, not evicted.
func TestReportRejected(t *testing.T) {
	const maxCost = 64 << 10
	a := open(t, &memory.Options{MaxCost: maxCost})
	hot := keys("hot:", 40)
	for _, k := range hot {
		mustSet(t, a, k, make([]byte, 1000), adapter.NoExpiration)
	}
	for range 50 {
		for _, k := range hot {
			_, _ = a.Get(bg, k)
		}
	}
	before := a.Report()
	for i := range 20 {
		// Larger than the window (a quarter of MaxCost): through ristretto's
		// admission, which may decline it.
		mustSet(t, a, fmt.Sprint("big:", i), make([]byte, maxCost/3), adapter.NoExpiration)
	}
	r, st := a.Report(), a.Stats()
	t.Logf("before %+v, after %+v", before, r)
	if r.Rejected != st.Rejected {
		t.Errorf("Report.Rejected = %d, Stats.Rejected = %d", r.Rejected, st.Rejected)
	}
	if r.Rejected == 0 && r.Evictions == before.Evictions {
		t.Errorf("20 large writes into a full cache neither rejected nor evicted anything: %+v", r)
	}
}

// TestReportConcurrent reads Report while goroutines overflow the cache: it is safe
// to call at any time (go test -race), and Evictions only grows.
func TestReportConcurrent(t *testing.T) {
	a := open(t, &memory.Options{MaxCost: 64 << 10})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 500 {
				if err := a.Set(bg, fmt.Sprint("w", w, ":", i), make([]byte, 1000), adapter.NoExpiration); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var last uint64
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		r := a.Report()
		if r.Evictions < last {
			t.Fatalf("Evictions went down from %d to %d", last, r.Evictions)
		}
		last = r.Evictions
	}
	if r := a.Report(); r.Evictions == 0 || r.MemoryCost > 64<<10 {
		t.Errorf("Report after 2000 concurrent writes into a 64 KiB cache = %+v", r)
	}
}
