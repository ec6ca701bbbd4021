package stackslot

import (
	"sync"
	"testing"
)

// Goroutines running at once must spread over the stripes, or striping buys
// nothing: 64 goroutines alive together, each taking the top 6 bits, must use
// many of the 64 stripes (a constant or an unmixed hash would give one or a few).
func TestHashSpreadsGoroutines(t *testing.T) {
	const n, bits = 64, 6
	var (
		mu   sync.Mutex
		seen = map[uint64]bool{}
		wg   sync.WaitGroup
		hold = make(chan struct{})
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := Hash() >> (64 - bits)
			mu.Lock()
			seen[h] = true
			mu.Unlock()
			<-hold // all alive at once: none reuses another's stack
		}()
	}
	close(hold)
	wg.Wait()
	if len(seen) < n/4 {
		t.Fatalf("%d goroutines used %d of %d stripes; want at least %d", n, len(seen), 1<<bits, n/4)
	}
}

// A goroutine keeps its stripe from call to call at the same depth.
func TestHashStableForOneGoroutine(t *testing.T) {
	first := Hash()
	for range 100 {
		if h := Hash(); h != first {
			t.Fatalf("Hash changed between calls: %#x then %#x", first, h)
		}
	}
}
