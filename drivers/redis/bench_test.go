package redis

import (
	"context"
	"fmt"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/serializer"
)

// The benchmarks compare Strata (strata.Cache[[]byte] with serializer.Raw over this
// driver) with go-redis used directly, on the same client and throwaway server.
// Compare with benchstat -col /impl:
//
//	go test ./drivers/redis -run '^$' -bench . -count 6 > bench.txt
//	benchstat -col /impl bench.txt

// benchPrefix holds the benchmarks' keys: a RandomPrefix, so that a run against
// STRATA_TEST_REDIS_URL leaves nothing behind (TestMain's servers.Close removes it).
var benchPrefix = redistest.RandomPrefix() + "bench:"

type benchEnv struct {
	rdb   goredis.UniversalClient
	cache *strata.Cache[[]byte]
	value []byte
	keys  []string // 100 keys, as the cache sees them
	full  []string // the same keys with the prefix, as Redis sees them
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	rdb := client(b, serverURL(b))
	a, err := New(rdb, &Options{Prefix: benchPrefix})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close() })
	e := &benchEnv{
		rdb:   rdb,
		cache: strata.New[[]byte](a, &strata.Options[[]byte]{Codec: serializer.Raw[[]byte]()}),
		value: make([]byte, 128),
	}
	for i := range e.value {
		e.value[i] = byte('a' + i%26)
	}
	ctx := context.Background()
	items := map[string][]byte{"k": e.value}
	for i := range 100 {
		k := fmt.Sprintf("many:%03d", i)
		e.keys = append(e.keys, k)
		e.full = append(e.full, benchPrefix+k)
		items[k] = e.value
	}
	if err := e.cache.SetMany(ctx, items, time.Hour); err != nil {
		b.Fatal(err)
	}
	return e
}

func BenchmarkGet(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	b.Run("impl=strata", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.cache.Get(ctx, "k"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=goredis", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.rdb.Get(ctx, benchPrefix+"k").Bytes(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSet(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	b.Run("impl=strata", func(b *testing.B) {
		for b.Loop() {
			if err := e.cache.Set(ctx, "k", e.value, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=goredis", func(b *testing.B) {
		for b.Loop() {
			if err := e.rdb.Set(ctx, benchPrefix+"k", e.value, time.Hour).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGetMany100(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	b.Run("impl=strata", func(b *testing.B) {
		for b.Loop() {
			if m, err := e.cache.GetMany(ctx, e.keys...); err != nil || len(m) != 100 {
				b.Fatal(len(m), err)
			}
		}
	})
	b.Run("impl=goredis", func(b *testing.B) {
		for b.Loop() {
			if v, err := e.rdb.MGet(ctx, e.full...).Result(); err != nil || len(v) != 100 {
				b.Fatal(len(v), err)
			}
		}
	})
}

// BenchmarkSequentialGet100 is what GetMany(100) replaces: 100 round trips.
func BenchmarkSequentialGet100(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	b.Run("impl=strata", func(b *testing.B) {
		for b.Loop() {
			for _, k := range e.keys {
				if _, err := e.cache.Get(ctx, k); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func BenchmarkGetParallel(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	b.Run("impl=strata", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := e.cache.Get(ctx, "k"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("impl=goredis", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := e.rdb.Get(ctx, benchPrefix+"k").Bytes(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func BenchmarkSetParallel(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	b.Run("impl=strata", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := e.cache.Set(ctx, "k", e.value, time.Hour); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("impl=goredis", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := e.rdb.Set(ctx, benchPrefix+"k", e.value, time.Hour).Err(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func BenchmarkGetMany100Parallel(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	b.Run("impl=strata", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := e.cache.GetMany(ctx, e.keys...); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("impl=goredis", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := e.rdb.MGet(ctx, e.full...).Result(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkCluster100 compares, on the shared 3-master Cluster, GetMany and
// SetMany of 100 keys (spread over about 100 slots) with the 100 sequential Gets
// GetMany replaces.
func BenchmarkCluster100(b *testing.B) {
	ctx := context.Background()
	rdb := client(b, sharedCluster(b).URL())
	a, err := New(rdb, &Options{Prefix: benchPrefix})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close() })
	cache := strata.New[[]byte](a, &strata.Options[[]byte]{Codec: serializer.Raw[[]byte]()})
	value := make([]byte, 100)
	keys := make([]string, 100)
	items := make(map[string][]byte, len(keys))
	for i := range keys {
		keys[i] = fmt.Sprintf("many:%03d", i)
		items[keys[i]] = value
	}
	if err := cache.SetMany(ctx, items, time.Hour); err != nil {
		b.Fatal(err)
	}
	b.Run("op=GetMany", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if m, err := cache.GetMany(ctx, keys...); err != nil || len(m) != len(keys) {
				b.Fatal(len(m), err)
			}
		}
	})
	b.Run("op=SequentialGet", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, k := range keys {
				if _, err := cache.Get(ctx, k); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("op=SetMany", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := cache.SetMany(ctx, items, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
}
