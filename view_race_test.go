package strata_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/layered"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/serializer"
)

// raceValue is the value of fill f the race test writes: f repeated, a length of
// its own (1 KiB to about 11 KiB), so that bytes of two values mixed, or a value cut
// short or grown, are seen.
func raceValue(f byte) []byte { return bytes.Repeat([]byte{f}, 1024+int(f)*40) }

// whole returns an error unless v is one whole raceValue.
func whole(v []byte) error {
	if len(v) == 0 {
		return errors.New("empty value")
	}
	f := v[0] // read by the program, so that the race detector sees the reads of v
	if len(v) != 1024+int(f)*40 || v[len(v)-1] != f || bytes.Count(v, v[:1]) != len(v) {
		return fmt.Errorf("torn value: %d bytes starting %d, ending %d", len(v), f, v[len(v)-1])
	}
	return nil
}

// smallMemory is a memory adapter bounded at 256 KiB, so that writing a few dozen
// 10 KiB values evicts.
func smallMemory(t *testing.T) *memory.Adapter {
	t.Helper()
	m, err := memory.Open(context.Background(), &memory.Options{MaxCost: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// TestViewConsistentUnderWritesAndEviction: while other goroutines overwrite the key
// with values of other lengths, remove it, and write other keys that make the
// adapter evict, every View callback sees one whole value, unchanged from its start
// to its end (it yields in between to let the writers run). Run with -race: a
// driver lending bytes that a write changes is a data race as well as a torn value.
func TestViewConsistentUnderWritesAndEviction(t *testing.T) {
	serverURL, prefix := redistest.ServerURL(t)
	drivers := []struct {
		name  string
		open  func(t *testing.T) (adapter.Adapter, *memory.Adapter)
		reads int
	}{
		{"memory", func(t *testing.T) (adapter.Adapter, *memory.Adapter) {
			m := smallMemory(t)
			return m, m
		}, 4000},
		{"layered", func(t *testing.T) (adapter.Adapter, *memory.Adapter) {
			l2, err := redis.OpenURL(context.Background(), withQuery(serverURL, "prefix="+url.QueryEscape(prefix+"viewrace:")))
			if err != nil {
				t.Fatal(err)
			}
			l1 := smallMemory(t)
			l, err := layered.New(l1, l2, nil)
			if err != nil {
				_ = l2.Close()
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = l.Close(); _ = l2.Close() })
			eventually(t, 30*time.Second, "layered healthy", l.Healthy)
			return l, l1
		}, 1500},
	}
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			a, l1 := d.open(t)
			viewUnderWrites(t, a, func() uint64 { return l1.Report().Evictions }, d.reads)
		})
	}
}

// viewUnderWrites is the body of TestViewConsistentUnderWritesAndEviction over a,
// whose evictions evicted reports.
func viewUnderWrites(t *testing.T, a adapter.Adapter, evicted func() uint64, reads int) {
	ctx := testCtx(t)
	c := strata.New(a, &strata.Options[[]byte]{Codec: serializer.Raw[[]byte]()})
	values := make([][]byte, 256)
	for f := 1; f < len(values); f++ {
		values[f] = raceValue(byte(f))
	}
	filler := bytes.Repeat([]byte{'z'}, 10<<10)
	must(t, c.Set(ctx, "k", values[1], time.Hour))

	stop := make(chan struct{})
	var bg sync.WaitGroup
	var writeErr atomic.Pointer[error]
	keepErr := func(err error) {
		if err != nil && ctx.Err() == nil {
			writeErr.CompareAndSwap(nil, &err)
		}
	}
	loop := func(step func(i int) error) {
		bg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				keepErr(step(i))
			}
		})
	}
	for w := range 2 {
		loop(func(i int) error { return c.Set(ctx, "k", values[1+(i*7+w*3)%255], time.Hour) })
	}
	loop(func(int) error {
		_, err := c.Remove(ctx, "k")
		runtime.Gosched()
		return err
	})
	loop(func(i int) error { return c.Set(ctx, fmt.Sprintf("filler:%d", i%64), filler, time.Hour) })

	var hits, misses, distinct atomic.Int64
	var seen [256]atomic.Bool
	// Each reader makes at least reads Views, and goes on until the test has
	// seen what makes it prove something: hits of more than one value, misses, and
	// evictions (or until ctx's deadline, a failure).
	var enough atomic.Bool
	enoughNow := func() bool {
		return distinct.Load() >= 2 && misses.Load() > 0 && evicted() > 0
	}
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for i := 0; i < reads || !enough.Load(); i++ {
				if i%256 == 255 && !enough.Load() && enoughNow() {
					enough.Store(true)
				}
				err := c.View(ctx, "k", func(v []byte) error {
					if err := whole(v); err != nil {
						return err
					}
					first := v[0]
					runtime.Gosched() // let the writers run while v is lent
					if err := whole(v); err != nil || v[0] != first {
						return fmt.Errorf("value changed while fn ran: was fill %d, now %d bytes of %d (%v)", first, len(v), v[0], err)
					}
					if seen[first].CompareAndSwap(false, true) {
						distinct.Add(1)
					}
					return nil
				})
				switch {
				case err == nil:
					hits.Add(1)
				case errors.Is(err, strata.ErrNotFound):
					misses.Add(1)
				default:
					t.Error(err)
					return
				}
			}
		})
	}
	readers.Wait()
	close(stop)
	bg.Wait()
	if p := writeErr.Load(); p != nil {
		t.Fatalf("a writer failed: %v", *p)
	}
	evictions := evicted()
	t.Logf("%d hits of %d distinct values, %d misses, %d evictions", hits.Load(), distinct.Load(), misses.Load(), evictions)
	// The test proves something only if the key was read, overwritten between
	// reads, missing at times, and the adapter evicted.
	if distinct.Load() < 2 || misses.Load() == 0 || evictions == 0 {
		t.Fatalf("too little happened: %d hits of %d values, %d misses, %d evictions",
			hits.Load(), distinct.Load(), misses.Load(), evictions)
	}
}
