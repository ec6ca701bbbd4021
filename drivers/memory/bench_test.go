package memory_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/serializer"
)

// The benchmarks compare the adapter, and strata.Cache over it, with ristretto used
// directly under the same configuration: 1024 keys, 100-byte []byte values, each
// stored with a 5-minute TTL (what Cache's default TTL stores). Raw ristretto returns
// its stored slice; the adapter returns a copy (one allocation).
const (
	benchKeys  = 1024
	benchTTL   = 5 * time.Minute
	benchValue = 100
)

var (
	benchKeyList = func() []string {
		ks := make([]string, benchKeys)
		for i := range ks {
			ks[i] = fmt.Sprintf("bench:key:%06d", i)
		}
		return ks
	}()
	value100 = make([]byte, benchValue)
	sinkB    []byte
)

func newRistretto(b *testing.B, ttl time.Duration) *ristretto.Cache[string, []byte] {
	b.Helper()
	// The configuration memory.Open(ctx, nil) gives ristretto.
	rc, err := ristretto.NewCache(&ristretto.Config[string, []byte]{
		NumCounters:        memory.DefaultMaxCost / 100,
		MaxCost:            memory.DefaultMaxCost,
		BufferItems:        memory.DefaultBufferItems,
		IgnoreInternalCost: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(rc.Close)
	for _, k := range benchKeyList {
		rc.SetWithTTL(k, value100, int64(len(k)+benchValue)+memory.EntryOverhead, ttl)
	}
	rc.Wait()
	for _, k := range benchKeyList {
		if _, ok := rc.Get(k); !ok {
			b.Fatalf("ristretto dropped %q", k)
		}
	}
	return rc
}

func newBenchAdapter(b *testing.B) *memory.Adapter { return newBenchAdapterTTL(b, benchTTL) }

func newBenchAdapterTTL(b *testing.B, ttl time.Duration) *memory.Adapter {
	b.Helper()
	a := open(b, nil)
	for _, k := range benchKeyList {
		mustSet(b, a, k, value100, ttl)
	}
	return a
}

func newBenchCache(b *testing.B) *strata.Cache[[]byte] {
	return strata.New(newBenchAdapter(b), &strata.Options[[]byte]{Codec: serializer.Raw[[]byte]()})
}

// loopGets is the loop of the Get benchmarks: get on each bench key in turn,
// keeping the result in sink. Every subject, raw ristretto included, is called
// through a func value, so the indirection costs all of them alike.
func loopGets[V any](b *testing.B, get func(ctx context.Context, key string) (V, error), sink *V) {
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v, err := get(ctx, benchKeyList[i%benchKeys])
		if err != nil {
			b.Fatal(err)
		}
		*sink = v
		i++
	}
}

// loopGetsParallel is loopGets from GOMAXPROCS goroutines.
func loopGetsParallel(b *testing.B, get func(ctx context.Context, key string) ([]byte, error)) {
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := get(ctx, benchKeyList[i%benchKeys]); err != nil {
				panic(err)
			}
			i++
		}
	})
}

// ristrettoGet adapts rc.Get to loopGets, passing a hit through then (nil: as
// it is).
func ristrettoGet(rc *ristretto.Cache[string, []byte], then func([]byte) []byte) func(context.Context, string) ([]byte, error) {
	return func(_ context.Context, key string) ([]byte, error) {
		v, ok := rc.Get(key)
		if !ok {
			return nil, fmt.Errorf("ristretto: miss on %q", key)
		}
		if then != nil {
			v = then(v)
		}
		return v, nil
	}
}

func BenchmarkRistrettoGet(b *testing.B) {
	loopGets(b, ristrettoGet(newRistretto(b, benchTTL), nil), &sinkB)
}

// BenchmarkRistrettoGetCopy is ristretto plus the copy the adapter must return, so
// that callers cannot modify what is cached: the floor for BenchmarkAdapterGet.
func BenchmarkRistrettoGetCopy(b *testing.B) {
	loopGets(b, ristrettoGet(newRistretto(b, benchTTL), bytes.Clone), &sinkB)
}

// BenchmarkRistrettoGetNoTTL is ristretto without expiry: its Get then reads no clock.
func BenchmarkRistrettoGetNoTTL(b *testing.B) {
	loopGets(b, ristrettoGet(newRistretto(b, 0), nil), &sinkB)
}

func BenchmarkAdapterGet(b *testing.B) { loopGets(b, newBenchAdapter(b).Get, &sinkB) }

// BenchmarkAdapterGetNoTTL: entries that never expire, so a hit reads no clock
// (compare BenchmarkRistrettoGetNoTTL).
func BenchmarkAdapterGetNoTTL(b *testing.B) {
	loopGets(b, newBenchAdapterTTL(b, adapter.NoExpiration).Get, &sinkB)
}

func BenchmarkCacheGet(b *testing.B) { loopGets(b, newBenchCache(b).Get, &sinkB) }

func BenchmarkCacheGetOrSetHit(b *testing.B) {
	c := newBenchCache(b)
	load := func(context.Context) ([]byte, error) { b.Fatal("loader called on a hit"); return nil, nil }
	loopGets(b, func(ctx context.Context, key string) ([]byte, error) {
		return c.GetOrSet(ctx, key, adapter.DefaultTTL, load)
	}, &sinkB)
}

// The Set benchmarks overwrite keys the cache holds (the steady state of a cache);
// BenchmarkAdapterSetNew writes fresh keys, which waits for ristretto's buffer.

func BenchmarkRistrettoSet(b *testing.B) {
	rc := newRistretto(b, benchTTL)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := benchKeyList[i%benchKeys]
		// A fair comparison copies the value too: the caller's slice is not stored.
		rc.SetWithTTL(k, append([]byte(nil), value100...), int64(len(k)+benchValue)+memory.EntryOverhead, benchTTL)
		i++
	}
}

func BenchmarkAdapterSet(b *testing.B) {
	a := newBenchAdapter(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := a.Set(ctx, benchKeyList[i%benchKeys], value100, benchTTL); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkAdapterSetNew(b *testing.B) {
	a := open(b, &memory.Options{MaxCost: 1 << 30})
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := a.Set(ctx, fmt.Sprint("new:", i), value100, benchTTL); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkCacheSet(b *testing.B) {
	c := newBenchCache(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := c.Set(ctx, benchKeyList[i%benchKeys], value100, adapter.DefaultTTL); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkRistrettoGetParallel(b *testing.B) {
	loopGetsParallel(b, ristrettoGet(newRistretto(b, benchTTL), nil))
}

func BenchmarkRistrettoGetCopyParallel(b *testing.B) {
	loopGetsParallel(b, ristrettoGet(newRistretto(b, benchTTL), bytes.Clone))
}

func BenchmarkAdapterGetParallel(b *testing.B) { loopGetsParallel(b, newBenchAdapter(b).Get) }

func BenchmarkCacheGetParallel(b *testing.B) { loopGetsParallel(b, newBenchCache(b).Get) }

func BenchmarkRistrettoSetParallel(b *testing.B) {
	rc := newRistretto(b, benchTTL)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			k := benchKeyList[i%benchKeys]
			rc.SetWithTTL(k, append([]byte(nil), value100...), int64(len(k)+benchValue)+memory.EntryOverhead, benchTTL)
			i++
		}
	})
}

func BenchmarkAdapterSetParallel(b *testing.B) {
	a := newBenchAdapter(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := a.Set(ctx, benchKeyList[i%benchKeys], value100, benchTTL); err != nil {
				panic(err)
			}
			i++
		}
	})
}

func BenchmarkCacheSetParallel(b *testing.B) {
	c := newBenchCache(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := c.Set(ctx, benchKeyList[i%benchKeys], value100, adapter.DefaultTTL); err != nil {
				panic(err)
			}
			i++
		}
	})
}
