package memory_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stratacache/strata/drivers/memory"
)

// entryCost returns what one entry of a key like key and a value of n bytes is
// charged, measured on a fresh adapter.
func entryCost(t *testing.T, key string, n int) int64 {
	t.Helper()
	a := open(t, &memory.Options{MaxCost: 1 << 30})
	mustSet(t, a, key, make([]byte, n), time.Hour)
	return a.Stats().Cost
}

// A full cache keeps what was written last: writing far more than MaxCost, each key
// read once right after its write, must leave most of the recent keys readable.
// (ristretto's TinyLFU admission declined every new key, whose write records no use,
// in favour of the first keys, each of which had been read once: the cache kept its
// first keys for ever and lost every new one.)
func TestFullCacheKeepsRecentWrites(t *testing.T) {
	const (
		maxCost   = 8 << 20
		valueSize = 10 << 10
		total     = 200 << 20 // bytes written
	)
	n := total / valueSize
	key := func(i int) string { return fmt.Sprintf("recent:%06d", i) }
	capacity := int(maxCost / entryCost(t, key(0), valueSize))
	a := open(t, &memory.Options{MaxCost: maxCost})
	value := make([]byte, valueSize)
	readBack := 0
	for i := range n {
		copy(value, key(i))
		mustSet(t, a, key(i), value, time.Hour)
		if _, err := a.Get(bg, key(i)); err == nil {
			readBack++
		}
		if st := a.Stats(); st.Cost > maxCost {
			t.Fatalf("after %d writes Stats.Cost = %d > MaxCost %d", i+1, st.Cost, maxCost)
		}
	}
	recent := capacity / 2
	held := 0
	for i := n - recent; i < n; i++ {
		if got, err := a.Get(bg, key(i)); err == nil {
			held++
			if string(got[:len(key(i))]) != key(i) {
				t.Fatalf("Get(%q) returned the value of %q", key(i), got[:len(key(i))])
			}
		}
	}
	first := 0
	for i := range recent {
		if _, err := a.Get(bg, key(i)); err == nil {
			first++
		}
	}
	t.Logf("capacity %d entries; %d of %d writes read back at once; %d of the last %d keys held, %d of the first %d; %+v",
		capacity, readBack, n, held, recent, first, recent, a.Stats())
	if held < recent/2 {
		t.Errorf("only %d of the %d most recently written keys are readable; want at least half", held, recent)
	}
}
