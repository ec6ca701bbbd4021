package memory_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/serializer"
)

// The benchmarks compare the adapter, and adapter.Cache over it, with ristretto used
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
	// The configuration memory.New(nil) gives ristretto.
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

func newBenchCache(b *testing.B) *adapter.Cache[[]byte] {
	return adapter.New(newBenchAdapter(b), &adapter.Options[[]byte]{Codec: serializer.Raw[[]byte]()})
}

func BenchmarkRistrettoGet(b *testing.B) {
	rc := newRistretto(b, benchTTL)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v, ok := rc.Get(benchKeyList[i%benchKeys])
		if !ok {
			b.Fatal("miss")
		}
		sinkB = v
		i++
	}
}

// BenchmarkRistrettoGetCopy is ristretto plus the copy the adapter must return, so
// that callers cannot modify what is cached: the floor for BenchmarkAdapterGet.
func BenchmarkRistrettoGetCopy(b *testing.B) {
	rc := newRistretto(b, benchTTL)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v, ok := rc.Get(benchKeyList[i%benchKeys])
		if !ok {
			b.Fatal("miss")
		}
		sinkB = bytes.Clone(v)
		i++
	}
}

// BenchmarkRistrettoGetNoTTL is ristretto without expiry: its Get then reads no clock.
func BenchmarkRistrettoGetNoTTL(b *testing.B) {
	rc := newRistretto(b, 0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v, ok := rc.Get(benchKeyList[i%benchKeys])
		if !ok {
			b.Fatal("miss")
		}
		sinkB = v
		i++
	}
}

func BenchmarkAdapterGet(b *testing.B) {
	a := newBenchAdapter(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v, err := a.Get(ctx, benchKeyList[i%benchKeys])
		if err != nil {
			b.Fatal(err)
		}
		sinkB = v
		i++
	}
}

// BenchmarkAdapterGetNoTTL: entries that never expire, so a hit reads no clock
// (compare BenchmarkRistrettoGetNoTTL).
func BenchmarkAdapterGetNoTTL(b *testing.B) {
	a := newBenchAdapterTTL(b, adapter.NoExpiration)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v, err := a.Get(ctx, benchKeyList[i%benchKeys])
		if err != nil {
			b.Fatal(err)
		}
		sinkB = v
		i++
	}
}

func BenchmarkCacheGet(b *testing.B) {
	c := newBenchCache(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v, err := c.Get(ctx, benchKeyList[i%benchKeys])
		if err != nil {
			b.Fatal(err)
		}
		sinkB = v
		i++
	}
}

func BenchmarkCacheGetOrSetHit(b *testing.B) {
	c := newBenchCache(b)
	ctx := context.Background()
	load := func(context.Context) ([]byte, error) { b.Fatal("loader called on a hit"); return nil, nil }
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v, err := c.GetOrSet(ctx, benchKeyList[i%benchKeys], adapter.DefaultTTL, load)
		if err != nil {
			b.Fatal(err)
		}
		sinkB = v
		i++
	}
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
	rc := newRistretto(b, benchTTL)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, ok := rc.Get(benchKeyList[i%benchKeys]); !ok {
				panic("miss")
			}
			i++
		}
	})
}

func BenchmarkRistrettoGetCopyParallel(b *testing.B) {
	rc := newRistretto(b, benchTTL)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			v, ok := rc.Get(benchKeyList[i%benchKeys])
			if !ok {
				panic("miss")
			}
			_ = bytes.Clone(v)
			i++
		}
	})
}

func BenchmarkAdapterGetParallel(b *testing.B) {
	a := newBenchAdapter(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := a.Get(ctx, benchKeyList[i%benchKeys]); err != nil {
				panic(err)
			}
			i++
		}
	})
}

func BenchmarkCacheGetParallel(b *testing.B) {
	c := newBenchCache(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.Get(ctx, benchKeyList[i%benchKeys]); err != nil {
				panic(err)
			}
			i++
		}
	})
}

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
