package layered

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// BenchmarkGet compares, in one run, a hit in each of: raw ristretto (the floor:
// it returns its stored slice), ristretto plus the copy every Strata read returns,
// the memory driver, the layered adapter's L1 (memory over Redis), and the Redis
// driver. 1024 keys of 100-byte values stored for 5 minutes, read round-robin by one
// goroutine. Compare with
//
//	go test -run '^$' -bench BenchmarkGet -count 10 ./drivers/layered | tee bench.txt
//	benchstat -col /impl bench.txt
func BenchmarkGet(b *testing.B) {
	const (
		nkeys = 1024
		size  = 100
		ttl   = 5 * time.Minute
	)
	ctx := context.Background()
	keys := make([]string, nkeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("bench:key:%06d", i)
	}
	value := bytes.Repeat([]byte("v"), size)
	var sink []byte

	// The ristretto configuration memory.Open(ctx, nil) uses.
	rc, err := ristretto.NewCache(&ristretto.Config[string, []byte]{
		NumCounters:        memory.DefaultMaxCost / 100,
		MaxCost:            memory.DefaultMaxCost,
		BufferItems:        memory.DefaultBufferItems,
		IgnoreInternalCost: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer rc.Close()
	for _, k := range keys {
		rc.SetWithTTL(k, value, int64(len(k)+size)+memory.EntryOverhead, ttl)
	}
	rc.Wait()

	mem := newMem(b, nil)
	srv, err := redistest.NewServer(nil)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	prefix := redistest.RandomPrefix()
	lay, l1 := overRedis(b, srv.URL(), prefix, nil)
	red := openRedis(b, srv.URL(), prefix)
	defer red.Close()
	for _, k := range keys {
		for _, a := range []adapter.Adapter{mem, lay} {
			if err := a.Set(ctx, k, value, ttl); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, k := range keys {
		if _, ok := rc.Get(k); !ok {
			b.Fatalf("ristretto dropped %q", k)
		}
		if _, err := l1.Get(ctx, k); err != nil {
			b.Fatalf("layered L1 lacks %q: %v", k, err)
		}
	}

	run := func(name string, get func(key string) ([]byte, bool)) {
		b.Run("impl="+name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				v, ok := get(keys[i%nkeys])
				if !ok {
					b.Fatal("miss")
				}
				sink = v
				i++
			}
		})
	}
	run("ristretto", rc.Get)
	run("ristretto+copy", func(k string) ([]byte, bool) {
		v, ok := rc.Get(k)
		return bytes.Clone(v), ok
	})
	adapterGet := func(a adapter.Adapter) func(string) ([]byte, bool) {
		return func(k string) ([]byte, bool) {
			v, err := a.Get(ctx, k)
			return v, err == nil
		}
	}
	run("memory", adapterGet(mem))
	run("layered-L1-hit", adapterGet(lay))
	run("redis", adapterGet(red))
	_ = sink
}
