package memory_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
)

// Close returns promptly while many goroutines keep calling: calls refused because
// the adapter is closing must not hold Close up. (Refused calls used to bump the
// close gate's counters that Close waits to see at zero, so a steady stream of them
// kept Close waiting for seconds, or for ever with enough goroutines.)
func TestCloseUnderTraffic(t *testing.T) {
	const (
		callers = 256
		limit   = 5 * time.Second  // Close should take milliseconds
		hardCap = 30 * time.Second // the callers stop by then even if Close has not returned
	)
	before := runtime.NumGoroutine()
	a, err := memory.Open(context.Background(), &memory.Options{MaxCost: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })

	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }) }
	defer halt()
	var calls atomic.Int64
	var unexpected atomic.Value // the first error other than ErrClosed
	var wg sync.WaitGroup
	started := make(chan struct{}) // closed by the call that makes 4 per caller
	for g := range callers {
		wg.Go(func() {
			k := fmt.Sprint("k", g%32)
			v := []byte("value")
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := a.Get(bg, k); err != nil && !errors.Is(err, adapter.ErrNotFound) && !errors.Is(err, adapter.ErrClosed) {
					unexpected.CompareAndSwap(nil, err)
				}
				if err := a.Set(bg, k, v, time.Minute); err != nil && !errors.Is(err, adapter.ErrClosed) {
					unexpected.CompareAndSwap(nil, err)
				}
				if calls.Add(1) == 4*callers {
					close(started)
				}
			}
		})
	}
	// Let the callers get going before closing.
	select {
	case <-started:
	case <-time.After(hardCap):
		t.Fatalf("the callers made only %d calls in %v", calls.Load(), hardCap)
	}

	closed := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		_ = a.Close()
		closed <- time.Since(start)
	}()
	took := time.Duration(-1)
	select {
	case took = <-closed:
		t.Logf("Close returned after %v with %d goroutines calling", took, callers)
	case <-time.After(limit):
		t.Errorf("Close has not returned %v after it was called, with %d goroutines calling Get and Set", limit, callers)
	}
	halt()
	wg.Wait()
	if took < 0 {
		select {
		case took = <-closed:
			t.Logf("Close returned %v after it was called, once the callers had stopped", took)
		case <-time.After(hardCap):
			t.Fatalf("Close did not return %v after the callers stopped", hardCap)
		}
	}
	if err, _ := unexpected.Load().(error); err != nil {
		t.Errorf("a call failed with %v; want only misses and ErrClosed", err)
	}
	if _, err := a.Get(bg, "k0"); !errors.Is(err, adapter.ErrClosed) {
		t.Errorf("Get after Close = %v; want ErrClosed", err)
	}
	// Close waited only briefly: the last call in flight released ristretto, and
	// its goroutines and the sweeper stop.
	for deadline := time.Now().Add(hardCap); runtime.NumGoroutine() > before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines %v after the callers stopped, %d before New: ristretto was never released",
				runtime.NumGoroutine(), hardCap, before)
		}
	}
}
