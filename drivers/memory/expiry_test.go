package memory_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
)

// The sweeper runs every second (sweepEvery) and removes an entry at the first sweep
// after its grace window ends, so within two sweeps of it. These tests run in
// synctest bubbles: the sweeps come at exact fake instants, and synctest.Wait lets
// a sweep (and ristretto's applying of its removals) finish before Stats is read.
const sweepEvery = time.Second

// costAfter sleeps d in the bubble, waits for the adapter's goroutines to be idle and
// returns its cost.
func costAfter(a *memory.Adapter, d time.Duration) int64 {
	time.Sleep(d)
	synctest.Wait()
	return a.Stats().Cost
}

// Expired entries leave memory without being read, and only they do: entries that
// never expire, or whose expiry UpdateTimeout pushed back, stay.
func TestExpiredEntriesAreSwept(t *testing.T) {
	synctest.Test(t, testExpiredEntriesAreSwept)
}

func testExpiredEntriesAreSwept(t *testing.T) {
	const ttl = 50 * time.Millisecond
	a := open(t, nil)
	mustSet(t, a, "kept", []byte("v"), adapter.NoExpiration)
	mustSet(t, a, "extended", []byte("v"), ttl)
	if _, err := a.UpdateTimeout(bg, "extended", time.Hour); err != nil {
		t.Fatal(err)
	}
	mustSet(t, a, "overwritten", []byte("v"), ttl)
	mustSet(t, a, "overwritten", []byte("w"), time.Hour)
	synctest.Wait()
	kept := a.Stats().Cost
	for _, k := range keys("short:", 200) {
		mustSet(t, a, k, []byte(k), ttl)
	}
	full := costAfter(a, 0)
	if full <= kept {
		t.Fatalf("Stats.Cost = %d after 200 Sets, want more than %d", full, kept)
	}
	if c := costAfter(a, ttl); c != full {
		t.Fatalf("Stats.Cost = %d at the expiry, before any sweep, want %d", c, full)
	}
	if c := costAfter(a, 2*sweepEvery); c != kept {
		t.Fatalf("Stats.Cost = %d two sweeps after the expiry, want %d: expired entries were not removed", c, kept)
	}
	mustGet(t, a, "kept", []byte("v"))
	mustGet(t, a, "extended", []byte("v"))
	mustGet(t, a, "overwritten", []byte("w"))
}

// With Grace, an expired entry stays until its grace window ends (so UpdateTimeout
// can revive it), and is removed after.
func TestSweepWaitsForGrace(t *testing.T) {
	synctest.Test(t, testSweepWaitsForGrace)
}

func testSweepWaitsForGrace(t *testing.T) {
	const ttl, grace = 10 * time.Millisecond, 3 * time.Second
	a := open(t, &memory.Options{Grace: grace})
	empty := costAfter(a, 0)
	mustSet(t, a, "g", []byte("v"), ttl)
	full := costAfter(a, 0)
	// The last moment of the grace window, after three sweeps.
	if c := costAfter(a, ttl+grace-time.Millisecond); c != full {
		t.Fatalf("Stats.Cost = %d within the grace window, want %d: swept too early", c, full)
	}
	mustMiss(t, a, "g")
	if c := costAfter(a, time.Millisecond+2*sweepEvery); c != empty {
		t.Fatalf("Stats.Cost = %d two sweeps after the grace window ended, want %d: not swept", c, empty)
	}
}

// Close stops the sweeper along with ristretto's goroutines. The check is the
// bubble's own: synctest.Test fails (it panics: "blocked goroutines remain") if any
// goroutine started in it is still there when the function returns. (Counting with
// runtime.NumGoroutine would also count goroutines outside the bubble.)
func TestCloseStopsGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for range 5 {
			a, err := memory.Open(context.Background(), &memory.Options{MaxCost: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			mustSet(t, a, "k", []byte("v"), time.Millisecond)
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
