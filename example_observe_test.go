package strata_test

import (
	"context"
	"fmt"
	"sort"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/memory"
)

// A Cache given a MeterProvider reports its metrics there (the program picks the
// SDK and exporter; a ManualReader here), and Stats gives the same counts without
// OpenTelemetry.
func ExampleCache_Stats() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(ctx) }()

	mem, err := memory.Open(ctx, nil)
	if err != nil {
		panic(err)
	}
	users := strata.New(mem, &strata.Options[string]{Name: "users", MeterProvider: mp})
	defer users.Close()

	_ = users.Set(ctx, "42", "Ada", time.Minute)
	_, _ = users.Get(ctx, "42") // a hit
	_, _ = users.Get(ctx, "43") // a miss
	_, _ = users.GetOrSet(ctx, "44", time.Minute, func(context.Context) (string, error) {
		return "Grace", nil // a miss, a load and a set
	})

	s := users.Stats()
	fmt.Printf("Stats: %d hits, %d misses, %d sets, %d loads; driver %s\n",
		s.Hits, s.Misses, s.Sets, s.Loads, s.Driver.Driver)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	var lines []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok || (m.Name != "strata.cache.hits" && m.Name != "strata.cache.misses") {
				continue
			}
			for _, p := range sum.DataPoints {
				opName, _ := p.Attributes.Value("op")
				cache, _ := p.Attributes.Value("cache")
				lines = append(lines, fmt.Sprintf("%s{cache=%s,op=%s} %d", m.Name, cache.Emit(), opName.Emit(), p.Value))
			}
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// Stats: 1 hits, 2 misses, 2 sets, 1 loads; driver memory
	// strata.cache.hits{cache=users,op=get_many} 0
	// strata.cache.hits{cache=users,op=get_or_set} 0
	// strata.cache.hits{cache=users,op=get} 1
	// strata.cache.misses{cache=users,op=get_many} 0
	// strata.cache.misses{cache=users,op=get_or_set} 1
	// strata.cache.misses{cache=users,op=get} 1
}

// Without OpenTelemetry, Options.CountStats keeps the counters Stats reports.
func ExampleOptions_countStats() {
	ctx := context.Background()
	mem, err := memory.Open(ctx, nil)
	if err != nil {
		panic(err)
	}
	users := strata.New(mem, &strata.Options[string]{CountStats: true})
	defer users.Close()
	_, _ = users.Get(ctx, "42")
	s := users.Stats()
	fmt.Println(s.Enabled, s.Misses, s.Errors.Total())
	// Output:
	// true 1 0
}
