package strata_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	yaml "go.yaml.in/yaml/v3"

	"github.com/stratacache/strata"
)

// TestConfigObservability: Config's Metrics and Traces are read from JSON, YAML and
// the environment, written back, printed, and turned into the global providers.
func TestConfigObservability(t *testing.T) {
	want := strata.Config{URL: "memory://", Metrics: true, Traces: true}
	var j strata.Config
	if err := json.Unmarshal([]byte(`{"url":"memory://","metrics":true,"traces":true}`), &j); err != nil || j != want {
		t.Errorf("JSON: %+v, %v", j, err)
	}
	var y strata.Config
	if err := yaml.Unmarshal([]byte("url: memory://\nmetrics: true\ntraces: true\n"), &y); err != nil || y != want {
		t.Errorf("YAML: %+v, %v", y, err)
	}
	t.Setenv("STRATA_URL", "")
	t.Setenv("STRATA_METRICS", "true")
	t.Setenv("STRATA_TRACES", "1")
	if e, err := strata.FromEnv(); err != nil || e != want {
		t.Errorf("env: %+v, %v", e, err)
	}
	t.Setenv("STRATA_TRACES", "")
	if e, err := strata.FromEnv(); err != nil || !e.Metrics || e.Traces {
		t.Errorf("env without STRATA_TRACES: %+v, %v", e, err)
	}
	t.Setenv("STRATA_METRICS", "yes please")
	if _, err := strata.FromEnv(); err == nil || !strings.Contains(err.Error(), "STRATA_METRICS") {
		t.Errorf("malformed STRATA_METRICS: %v; want an error naming it", err)
	}

	out, err := json.Marshal(want)
	var back strata.Config
	if err != nil || json.Unmarshal(out, &back) != nil || back != want || !strings.Contains(string(out), `"metrics":true,"traces":true`) {
		t.Errorf("JSON round trip: %s, %v -> %+v", out, err, back)
	}
	if out, _ := json.Marshal(strata.Config{URL: "memory://"}); strings.Contains(string(out), "metrics") {
		t.Errorf("JSON of a Config without observability = %s; want the fields omitted", out)
	}
	yout, err := yaml.Marshal(want)
	var yback strata.Config
	if err != nil || yaml.Unmarshal(yout, &yback) != nil || yback != want {
		t.Errorf("YAML round trip: %s, %v -> %+v", yout, err, yback)
	}
	for _, s := range []string{want.String(), fmt.Sprintf("%#v", want)} {
		if !strings.Contains(s, "Metrics:") || !strings.Contains(s, "Traces:") || !strings.Contains(s, "true") {
			t.Errorf("printed Config %q lacks Metrics and Traces", s)
		}
	}

	opts, err := strata.ConfigOptions[string](strata.Config{})
	if err != nil || opts.MeterProvider != nil || opts.TracerProvider != nil {
		t.Errorf("ConfigOptions without observability = %+v, %v", opts, err)
	}
	opts, err = strata.ConfigOptions[string](want)
	if err != nil || opts.MeterProvider != otel.GetMeterProvider() || opts.TracerProvider != otel.GetTracerProvider() {
		t.Errorf("ConfigOptions with Metrics and Traces = %+v, %v; want the global providers", opts, err)
	}
}

// TestOpenConfigUsesGlobalProviders: a Cache from OpenConfig with Metrics and
// Traces reports to the providers the program set globally.
func TestOpenConfigUsesGlobalProviders(t *testing.T) {
	prevM, prevT := otel.GetMeterProvider(), otel.GetTracerProvider()
	t.Cleanup(func() { otel.SetMeterProvider(prevM); otel.SetTracerProvider(prevT) })
	m := newTestMeter(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	otel.SetMeterProvider(m)
	otel.SetTracerProvider(tp)

	ctx := context.Background()
	c, err := strata.OpenConfig[string](ctx, strata.Config{URL: "memory://", Prefix: "cfg:", Metrics: true, Traces: true})
	must(t, err)
	defer c.Close()
	must(t, c.Set(ctx, "k", "v", time.Minute))
	m.collect(t).want(t, "strata.cache.sets", 1, op("set"))
	if s := spansNamed(rec, "strata.Set"); len(s) != 1 || attrs(s[0])["strata.cache"].AsString() != "cfg:" {
		t.Errorf("want one strata.Set span of cache cfg:, got %d", len(s))
	}
}
