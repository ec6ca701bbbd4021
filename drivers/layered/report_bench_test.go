package layered

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// The L1 hit is the path Report's counters must not slow down. These benchmarks
// measure it without a Redis (L2 is a memory adapter an L1 hit never reaches), so
// that instruction counts are not disturbed by a server's startup:
//
//	go test -c -o layered.test ./drivers/layered
//	valgrind --tool=cachegrind --cache-sim=no ./layered.test -test.run '^$' \
//		-test.bench 'BenchmarkL1Hit$' -test.benchtime 20000x -test.cpu 1
//
// and again with 120000x: the difference divided by 100000 is the instructions of
// one hit. BenchmarkL1HitParallel shows whether counting contends across cores
// (-cpu 1,16).

// newHitBench returns a layered adapter over two memory adapters holding 1024 keys
// of 100 bytes in L1, and the keys.
func newHitBench(b *testing.B) (*Adapter, []string) {
	b.Helper()
	ctx := context.Background()
	a := newLayered(b, newMem(b, nil), newMem(b, nil), nil)
	keys := make([]string, 1024)
	value := bytes.Repeat([]byte("v"), 100)
	for i := range keys {
		keys[i] = fmt.Sprintf("bench:key:%06d", i)
		if err := a.Set(ctx, keys[i], value, 5*time.Minute); err != nil {
			b.Fatal(err)
		}
		if _, ok := inL1(b, a.L1(), keys[i]); !ok {
			b.Fatalf("L1 lacks %q", keys[i])
		}
	}
	return a, keys
}

func BenchmarkL1Hit(b *testing.B) {
	a, keys := newHitBench(b)
	ctx := context.Background()
	var sink []byte
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v, err := a.Get(ctx, keys[i%len(keys)])
		if err != nil {
			b.Fatal(err)
		}
		sink = v
		i++
	}
	_ = sink
}

func BenchmarkL1HitParallel(b *testing.B) {
	a, keys := newHitBench(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := a.Get(ctx, keys[i%len(keys)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkCountL1Hit is the counting an L1 hit adds, alone, on every core
// (RunParallel); BenchmarkCountShared is what one atomic counter shared by all
// goroutines would cost instead: the contention the striping avoids (-cpu 1,2,16).
func BenchmarkCountL1Hit(b *testing.B) {
	a := newLayered(b, newMem(b, nil), newMem(b, nil), nil)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a.l1Hit()
		}
	})
}

func BenchmarkCountShared(b *testing.B) {
	var n atomic.Uint64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n.Add(1)
		}
	})
}
