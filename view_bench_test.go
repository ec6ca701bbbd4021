package strata_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/layered"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/serializer"
)

// viewBenchKeys are the keys BenchmarkViewHit reads, round-robin: enough that reads
// do not all hit one cache line, few enough (x 10 KiB) to stay within the default
// 64 MiB bound.
var viewBenchKeys = func() []string {
	ks := make([]string, 1024)
	for i := range ks {
		ks[i] = fmt.Sprintf("bench:key:%06d", i)
	}
	return ks
}()

var (
	viewSink    []byte
	viewSinkLen int
)

// viewSinkFn is the View callback: it reads the value's length, as ristretto's Get
// reads the slice header, and captures nothing (a capturing closure allocates).
func viewSinkFn(v []byte) error {
	viewSinkLen = len(v)
	return nil
}

// BenchmarkViewHit compares a hit of a 100 B and a 10 KiB value read through: raw
// ristretto (the floor: it returns its stored slice), ristretto plus the copy a
// read that must not share costs, Cache[[]byte] with serializer.Raw over
// drivers/memory by Get (a copy) and View (lent), and the same over the L1 of
// drivers/layered (memory over a real Redis). Each subject sets up only its own
// store, so that one can be run alone:
//
//	go test -run '^$' -bench 'BenchmarkViewHit/size=10KiB/impl=view$' -benchtime 20000x .
func BenchmarkViewHit(b *testing.B) {
	for _, size := range []int{100, 10 << 10} {
		name := fmt.Sprintf("%dB", size)
		if size >= 1<<10 {
			name = fmt.Sprintf("%dKiB", size>>10)
		}
		value := bytes.Repeat([]byte("v"), size)
		b.Run("size="+name, func(b *testing.B) {
			b.Run("impl=ristretto", func(b *testing.B) {
				rc := benchRistretto(b, value)
				benchHits(b, func(k string) bool {
					v, ok := rc.Get(k)
					viewSink = v
					return ok
				})
			})
			b.Run("impl=ristretto+copy", func(b *testing.B) {
				rc := benchRistretto(b, value)
				benchHits(b, func(k string) bool {
					v, ok := rc.Get(k)
					viewSink = bytes.Clone(v)
					return ok
				})
			})
			for _, via := range []string{"", "layered-"} {
				b.Run("impl="+via+"get", func(b *testing.B) {
					c := benchViewCache(b, via != "", value)
					ctx := context.Background()
					benchHits(b, func(k string) bool {
						v, err := c.Get(ctx, k)
						viewSink = v
						return err == nil
					})
				})
				b.Run("impl="+via+"view", func(b *testing.B) {
					c := benchViewCache(b, via != "", value)
					ctx := context.Background()
					benchHits(b, func(k string) bool { return c.View(ctx, k, viewSinkFn) == nil })
				})
			}
		})
	}
}

// benchHits runs b, reading viewBenchKeys round-robin with hit, which reports a hit.
func benchHits(b *testing.B, hit func(key string) bool) {
	b.Helper()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if !hit(viewBenchKeys[i%len(viewBenchKeys)]) {
			b.Fatal("miss")
		}
		i++
	}
}

// benchRistretto returns a ristretto cache configured as memory.Open(ctx, nil)
// configures its own, holding value under every key.
func benchRistretto(b *testing.B, value []byte) *ristretto.Cache[string, []byte] {
	b.Helper()
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
	for _, k := range viewBenchKeys {
		rc.SetWithTTL(k, value, int64(len(k)+len(value))+memory.EntryOverhead, time.Hour)
	}
	rc.Wait()
	for _, k := range viewBenchKeys {
		if _, ok := rc.Get(k); !ok {
			b.Fatalf("ristretto dropped %q", k)
		}
	}
	return rc
}

// benchViewCache returns a Cache[[]byte] with serializer.Raw over drivers/memory, or
// over drivers/layered (memory over a real Redis) when layered, holding value under
// every key, read once so that layered's L1 holds it.
func benchViewCache(b *testing.B, overLayered bool, value []byte) *strata.Cache[[]byte] {
	b.Helper()
	ctx := context.Background()
	mem, err := memory.Open(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	var a interface {
		Close() error
	} = mem
	c := strata.New[[]byte](mem, &strata.Options[[]byte]{Codec: serializer.Raw[[]byte]()})
	if overLayered {
		serverURL, prefix := redistest.ServerURL(b)
		l2, err := redis.OpenURL(ctx, withQuery(serverURL, "prefix="+url.QueryEscape(prefix+"viewbench:")))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = l2.Close() })
		l, err := layered.New(mem, l2, nil)
		if err != nil {
			b.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); !l.Healthy(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatal("layered never became healthy")
			}
		}
		a = l
		c = strata.New[[]byte](l, &strata.Options[[]byte]{Codec: serializer.Raw[[]byte]()})
	}
	b.Cleanup(func() { _ = a.Close() })
	for _, k := range viewBenchKeys {
		if err := c.Set(ctx, k, value, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	for _, k := range viewBenchKeys {
		if err := c.View(ctx, k, viewSinkFn); err != nil {
			b.Fatal(err)
		}
	}
	for _, k := range viewBenchKeys { // every key now an L1 hit
		if _, err := mem.Get(ctx, k); err != nil {
			b.Fatalf("%q not in memory: %v", k, err)
		}
	}
	return c
}
