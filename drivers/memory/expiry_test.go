package memory_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
)

// waitForCost polls a's Stats until Cost equals want, for up to limit.
func waitForCost(t *testing.T, a *memory.Adapter, want int64, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for a.Stats().Cost != want {
		if time.Now().After(deadline) {
			t.Fatalf("Stats.Cost = %d after %v, want %d: expired entries were not removed", a.Stats().Cost, limit, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Expired entries leave memory without being read, and only they do: entries that
// never expire, or whose expiry UpdateTimeout pushed back, stay.
func TestExpiredEntriesAreSwept(t *testing.T) {
	a := open(t, nil)
	mustSet(t, a, "kept", []byte("v"), adapter.NoExpiration)
	mustSet(t, a, "extended", []byte("v"), 50*time.Millisecond)
	if _, err := a.UpdateTimeout(bg, "extended", time.Hour); err != nil {
		t.Fatal(err)
	}
	mustSet(t, a, "overwritten", []byte("v"), 50*time.Millisecond)
	mustSet(t, a, "overwritten", []byte("w"), time.Hour)
	kept := a.Stats().Cost
	for _, k := range keys("short:", 200) {
		mustSet(t, a, k, []byte(k), 50*time.Millisecond)
	}
	if c := a.Stats().Cost; c <= kept {
		t.Fatalf("Stats.Cost = %d after 200 Sets, want more than %d", c, kept)
	}
	// The sweeper runs every second; two sweeps after expiry at the latest, plus
	// room for a slow machine.
	waitForCost(t, a, kept, 10*time.Second)
	mustGet(t, a, "kept", []byte("v"))
	mustGet(t, a, "extended", []byte("v"))
	mustGet(t, a, "overwritten", []byte("w"))
}

// With Grace, an expired entry stays until its grace window ends (so UpdateTimeout
// can revive it), and is removed after.
func TestSweepWaitsForGrace(t *testing.T) {
	const grace = 3 * time.Second
	a := open(t, &memory.Options{Grace: grace})
	empty := a.Stats().Cost
	retryTimed(t, "a 3s grace window", func(t *testing.T) bool {
		start := time.Now()
		mustSet(t, a, "g", []byte("v"), 10*time.Millisecond)
		full := a.Stats().Cost
		time.Sleep(1500 * time.Millisecond) // past expiry, past one sweep, within grace
		cost := a.Stats().Cost
		if time.Since(start) >= grace {
			return false
		}
		if cost != full {
			t.Fatalf("Stats.Cost = %d within the grace window, want %d: swept too early", cost, full)
		}
		mustMiss(t, a, "g")
		waitForCost(t, a, empty, 10*time.Second)
		if time.Since(start) < grace {
			t.Fatalf("swept %v after Set, before the grace window ended", time.Since(start))
		}
		return true
	})
}

// Close stops the sweeper along with ristretto's goroutines.
func TestCloseStopsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 5 {
		a, err := memory.New(&memory.Options{MaxCost: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		mustSet(t, a, "k", []byte("v"), time.Millisecond)
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after closing 5 adapters, %d before", n, before)
	}
}
