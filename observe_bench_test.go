package strata_test

import (
	"context"
	"fmt"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/serializer"
)

// BenchmarkObserveHit measures what observing costs a hit of the memory driver
// through a Cache[[]byte] (serializer.Raw: the cheapest hit there is, about 100ns,
// so the largest relative cost): off (no observing Options), stats
// (Options.CountStats) and metrics (an SDK MeterProvider with a ManualReader),
// from one goroutine and from GOMAXPROCS (RunParallel). The budget
// (docs/observability.md): metrics at most 1.10x off, and no extra allocation.
// Instruction counts, which a shared machine does not disturb (the scheduler and
// the collector kept out of them):
//
//	go test -c -o /tmp/strata.test . &&
//	GOMAXPROCS=1 GOGC=off valgrind --tool=cachegrind --cache-sim=no \
//	    /tmp/strata.test -test.run '^$' \
//	    -test.bench 'BenchmarkObserveHit/off/serial$' -test.benchtime 20000x
//
// and again with 1020000x: the difference of the two totals over 1,000,000 is the
// instructions per hit (20000x and 120000x over 100,000 give the same within
// about ±10 instructions).
func BenchmarkObserveHit(b *testing.B) {
	for _, mode := range []string{"off", "stats", "metrics"} {
		b.Run(mode+"/serial", func(b *testing.B) {
			c := observeBenchCache(b, mode)
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := c.Get(ctx, benchKeys[i%len(benchKeys)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(mode+"/parallel", func(b *testing.B) {
			c := observeBenchCache(b, mode)
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := c.Get(ctx, benchKeys[i%len(benchKeys)]); err != nil {
						panic(err)
					}
					i++
				}
			})
		})
	}
}

// benchKeys are the keys observeBenchCache stores.
var benchKeys = func() []string {
	ks := make([]string, 1024)
	for i := range ks {
		ks[i] = fmt.Sprintf("bench:key:%06d", i)
	}
	return ks
}()

// observeBenchCache returns a Cache[[]byte] over a fresh memory driver holding
// benchKeys (100-byte values), observed as mode says.
func observeBenchCache(b *testing.B, mode string) *strata.Cache[[]byte] {
	b.Helper()
	a, err := memory.Open(context.Background(), nil)
	if err != nil {
		b.Fatal(err)
	}
	opts := &strata.Options[[]byte]{Codec: serializer.Raw[[]byte]()}
	switch mode {
	case "stats":
		opts.CountStats = true
	case "metrics":
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
		b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
		opts.MeterProvider = mp
	}
	c := strata.New(a, opts)
	b.Cleanup(func() { _ = c.Close() })
	v := make([]byte, 100)
	for _, k := range benchKeys {
		if err := c.Set(context.Background(), k, v, strata.DefaultTTL); err != nil {
			b.Fatal(err)
		}
	}
	return c
}
