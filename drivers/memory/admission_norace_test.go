//go:build !race

package memory_test

import (
	"testing"
	"time"

	"github.com/stratacache/strata/drivers/memory"
)

// This test needs ristretto's access counts, which the race detector destroys:
// ristretto batches reads in stripes kept in a sync.Pool, and under -race sync.Pool
// drops a quarter of what is put back, so a stripe almost never fills up to be
// counted and TinyLFU sees every entry as unused.

// Scan resistance where it does not conflict with keeping recent writes: a working
// set that is read often survives a long stream of keys written once and never read.
func TestHotKeysSurviveOneOffWrites(t *testing.T) {
	const (
		maxCost   = 8 << 20
		valueSize = 10 << 10
	)
	capacity := int(maxCost / entryCost(t, "hot:000000", valueSize))
	a := open(t, &memory.Options{MaxCost: maxCost})
	hot := keys("hot:", capacity/2)
	for _, k := range hot {
		mustSet(t, a, k, make([]byte, valueSize), time.Hour)
	}
	for range 10 {
		for _, k := range hot {
			mustGet(t, a, k, make([]byte, valueSize))
		}
	}
	for _, k := range keys("once:", 20*capacity) {
		mustSet(t, a, k, make([]byte, valueSize), time.Hour)
	}
	m, err := a.GetMany(bg, hot)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d hot keys held after %d one-off writes; %+v", len(m), len(hot), 20*capacity, a.Stats())
	if len(m) < len(hot)*9/10 {
		t.Errorf("only %d of %d frequently read keys survived a stream of keys written once", len(m), len(hot))
	}
}
