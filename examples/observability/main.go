// Command observability serves a cache's OpenTelemetry metrics in Prometheus format
// while it generates a small load, so you can see what the instruments report:
//
//	go run ./examples/observability             # memory://, metrics on :2112
//	curl -s localhost:2112/metrics | grep '^strata_'
//	STRATA_URL=redis://localhost:6379/0 go run ./examples/observability -addr :9090
//
// The library itself uses only the OpenTelemetry API; the SDK and the Prometheus
// exporter are the application's choice, made here in newMetrics.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/stratacache/strata"
	_ "github.com/stratacache/strata/drivers/all"
)

// Product is the value the example caches.
type Product struct {
	ID    int
	Name  string
	Price float64
}

func main() {
	addr := flag.String("addr", "localhost:2112", "address to serve /metrics on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *addr); err != nil {
		log.Fatal(err)
	}
}

// run opens the cache STRATA_URL names with metrics on, serves them on addr and
// generates load until ctx ends.
func run(ctx context.Context, addr string) error {
	mp, handler, err := newMetrics()
	if err != nil {
		return err
	}
	defer func() { _ = mp.Shutdown(context.Background()) }()

	url := os.Getenv("STRATA_URL")
	if url == "" {
		url = strata.DefaultURL
	}
	cache, err := strata.Open(ctx, url, &strata.Options[Product]{
		Name:          "products",
		Prefix:        "example:products:",
		MeterProvider: mp,
	})
	if err != nil {
		return err
	}
	defer cache.Close()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux(handler), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	fmt.Printf("metrics on http://%s/metrics (Ctrl-C to stop)\n", ln.Addr())

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if _, err := generateLoad(ctx, cache, 50, 3); err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// newMetrics returns a MeterProvider whose metrics the returned handler serves in
// Prometheus' text format.
func newMetrics() (*sdkmetric.MeterProvider, http.Handler, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, nil, fmt.Errorf("prometheus exporter: %w", err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	return mp, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), nil
}

// mux serves metrics on /metrics.
func mux(metrics http.Handler) *http.ServeMux {
	m := http.NewServeMux()
	m.Handle("/metrics", metrics)
	return m
}

// generateLoad reads products 1..n through GetOrSet, rounds times, and asks once
// for a product that is not cached. It returns how many times the loader ran.
func generateLoad(ctx context.Context, cache *strata.Cache[Product], n, rounds int) (loads int, err error) {
	for range rounds {
		for id := 1; id <= n; id++ {
			_, err := cache.GetOrSet(ctx, fmt.Sprint(id), time.Minute, func(context.Context) (Product, error) {
				loads++
				return Product{ID: id, Name: fmt.Sprintf("product %d", id), Price: float64(id) * 1.5}, nil
			})
			if err != nil {
				return loads, err
			}
		}
	}
	if _, err := cache.Get(ctx, "no-such-product"); !errors.Is(err, strata.ErrNotFound) {
		return loads, fmt.Errorf("reading a missing product: %v, want ErrNotFound", err)
	}
	return loads, nil
}
