package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/stratacache/strata"
)

// TestMetricsEndpointCountsTheLoad scrapes /metrics after a load whose counts are
// known, and checks that the hit, miss and load counters say what happened.
func TestMetricsEndpointCountsTheLoad(t *testing.T) {
	ctx := context.Background()
	mp, handler, err := newMetrics()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mp.Shutdown(ctx) })
	srv := httptest.NewServer(mux(handler))
	t.Cleanup(srv.Close)

	cache, err := strata.Open(ctx, "memory://", &strata.Options[Product]{Name: "products", MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cache.Close() })

	const n, rounds = 10, 3
	loads, err := generateLoad(ctx, cache, n, rounds)
	if err != nil {
		t.Fatal(err)
	}
	if loads != n {
		t.Fatalf("the loader ran %d times, want %d (once per product)", loads, n)
	}

	m := scrape(t, srv.URL+"/metrics")
	products := map[string]string{"cache": "products", "driver": "memory"}
	checks := []struct {
		metric string
		labels map[string]string
		want   float64
	}{
		{"strata_cache_loads_total", products, n},
		{"strata_cache_hits_total", with(products, "op", "get_or_set"), n * (rounds - 1)},
		{"strata_cache_misses_total", with(products, "op", "get_or_set"), n},
		{"strata_cache_misses_total", with(products, "op", "get"), 1},
		{"strata_cache_hits_total", with(products, "op", "get"), 0},
	}
	for _, c := range checks {
		if got := sum(m, c.metric, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.metric, c.labels, got, c.want)
		}
	}

	// A second load over the same products is all hits: the counters move by that much.
	if _, err := generateLoad(ctx, cache, n, 1); err != nil {
		t.Fatal(err)
	}
	m = scrape(t, srv.URL+"/metrics")
	if got, want := sum(m, "strata_cache_hits_total", with(products, "op", "get_or_set")), float64(n*rounds); got != want {
		t.Errorf("after another round, get_or_set hits = %v, want %v", got, want)
	}
	if got := sum(m, "strata_cache_loads_total", products); got != n {
		t.Errorf("after another round of hits, loads = %v, want still %d", got, n)
	}
}

// scrape GETs url and parses Prometheus' text format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	m, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return m
}

// sum adds the values of name's series whose labels include want.
func sum(m map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var total float64
	for _, s := range m[name].GetMetric() {
		if matches(s.GetLabel(), want) {
			total += s.GetCounter().GetValue() + s.GetGauge().GetValue()
		}
	}
	return total
}

func matches(labels []*dto.LabelPair, want map[string]string) bool {
	found := 0
	for _, l := range labels {
		if v, ok := want[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			found++
		}
	}
	return found == len(want)
}

// with returns labels plus name=value.
func with(labels map[string]string, name, value string) map[string]string {
	out := map[string]string{name: value}
	for k, v := range labels {
		out[k] = v
	}
	return out
}
