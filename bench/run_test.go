package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// measure runs op b.N times, inline when conc is 1 and otherwise spread over
// exactly conc goroutines pulling operation numbers from a shared counter. It
// reports ops/s and, when sample is set, the p50 and p99 of the per-operation
// latencies (every operation is timed into a per-goroutine log-linear
// histogram; sample only network round trips, a clock read costs about as
// much as an in-process hit). An op error fails the benchmark.
func measure(b *testing.B, conc int, sample bool, op func(i int) error) {
	b.Helper()
	b.ReportAllocs()
	n := b.N
	hists := make([]Hist, max(conc, 1))
	if conc <= 1 {
		h := &hists[0]
		b.ResetTimer()
		for i := 0; i < n; i++ {
			var err error
			if sample {
				t0 := time.Now()
				err = op(i)
				h.Record(time.Since(t0))
			} else {
				err = op(i)
			}
			if err != nil {
				b.Fatalf("operation %d: %v", i, err)
			}
		}
		b.StopTimer()
	} else {
		grain := int64(max(1, min(1000, n/(conc*100))))
		var (
			next     atomic.Int64
			firstErr atomic.Pointer[error]
			wg       sync.WaitGroup
			start    = make(chan struct{})
		)
		for w := range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer env.Recover()
				h := &hists[w]
				<-start
				for {
					hi := next.Add(grain)
					lo := hi - grain
					if lo >= int64(n) {
						return
					}
					for i := int(lo); i < int(min(hi, int64(n))); i++ {
						var err error
						if sample {
							t0 := time.Now()
							err = op(i)
							h.Record(time.Since(t0))
						} else {
							err = op(i)
						}
						if err != nil {
							e := fmt.Errorf("operation %d: %w", i, err) // only e escapes
							firstErr.CompareAndSwap(nil, &e)
							next.Store(int64(n)) // stop the others
							return
						}
					}
				}
			}()
		}
		b.ResetTimer()
		close(start)
		wg.Wait()
		b.StopTimer()
		if p := firstErr.Load(); p != nil {
			b.Fatal(*p)
		}
	}
	if el := b.Elapsed(); el > 0 {
		b.ReportMetric(float64(n)/el.Seconds(), "ops/s")
	}
	if sample {
		var all Hist
		for i := range hists {
			all.Merge(&hists[i])
		}
		b.ReportMetric(all.Quantile(0.50), "p50-ns")
		b.ReportMetric(all.Quantile(0.99), "p99-ns")
	}
}

// open returns the process-wide instance of f's subject, skipping the
// benchmark when the cluster is turned off.
func open[V any](tb testing.TB, f Factory[V]) Subject[V] {
	tb.Helper()
	s, err := Open(context.Background(), env, f)
	if errors.Is(err, ErrNoCluster) {
		tb.Skip(err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// ensure stores v under key and waits until s returns it (ristretto applies
// writes asynchronously); the Get also fills the local copy of hybrid
// subjects.
func ensure[V any](tb testing.TB, s Subject[V], key string, v V) {
	tb.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(3 * time.Second)
	for {
		if err := s.Set(ctx, key, v); err != nil {
			tb.Fatalf("%s: set %q: %v", s.Name(), key, err)
		}
		if w, ok := s.(Waiter); ok {
			w.Wait()
		}
		_, err := s.Get(ctx, key)
		if err == nil {
			return
		}
		if !errors.Is(err, ErrMiss) {
			tb.Fatalf("%s: get %q: %v", s.Name(), key, err)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: %q still missing 3s after it was set", s.Name(), key)
		}
		time.Sleep(time.Millisecond)
	}
}

// loadLocal stores a value of size bytes under every key of an in-process
// subject, and stores again what it dropped, up to a few passes. It returns
// how many keys are resident at the end.
func loadLocal(s Subject[[]byte], keys []string, size int, fresh bool) (int, error) {
	ctx := context.Background()
	shared := Value(size)
	todo := keys
	for pass := 0; pass < 5 && len(todo) > 0; pass++ {
		for _, k := range todo {
			v := shared
			if fresh {
				v = Value(size)
			}
			if err := s.Set(ctx, k, v); err != nil {
				return 0, fmt.Errorf("%s: set %q: %w", s.Name(), k, err)
			}
		}
		if w, ok := s.(Waiter); ok {
			w.Wait()
		}
		var missing []string
		for _, k := range todo {
			if _, err := s.Get(ctx, k); errors.Is(err, ErrMiss) {
				missing = append(missing, k)
			} else if err != nil {
				return 0, fmt.Errorf("%s: get %q: %w", s.Name(), k, err)
			}
		}
		todo = missing
	}
	return len(keys) - len(todo), nil
}

// warm reads every key once with conc goroutines, so that hybrid subjects
// start a workload with their local copies filled, as a long-running process
// would have them.
func warm(s Subject[[]byte], keys []string, conc int) error {
	ctx := context.Background()
	return each(keys, conc, func(k string) error {
		if _, err := s.Get(ctx, k); err != nil && !errors.Is(err, ErrMiss) {
			return err
		}
		return nil
	})
}

// each calls fn on every key with conc goroutines and returns the first error.
func each(keys []string, conc int, fn func(key string) error) error {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		firstErr atomic.Pointer[error]
	)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer env.Recover()
			for firstErr.Load() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(keys) {
					return
				}
				if err := fn(keys[i]); err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if p := firstErr.Load(); p != nil {
		return *p
	}
	return nil
}
