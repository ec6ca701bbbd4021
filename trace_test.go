package strata_test

// Traces (Options.TracerProvider): a span per call, a child of the caller's, with
// the documented attributes; keys and error messages only with TraceKeys; the
// GetOrSet loader runs inside its call's span. Recorded by a real SDK
// TracerProvider with a tracetest.SpanRecorder.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/memory"
)

func newTracer(t *testing.T) (*sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, rec
}

// attrs returns a span's attributes by key.
func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// spansNamed returns the ended spans called name.
func spansNamed(rec *tracetest.SpanRecorder, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// secretKey is a key that must appear in no span without TraceKeys.
const secretKey = "user:alice@example.com"

// TestTraceSpans: every call makes one span, a child of the caller's, with op,
// cache and driver, hit or miss and key counts; without TraceKeys no key appears
// anywhere in any span.
func TestTraceSpans(t *testing.T) {
	tp, rec := newTracer(t)
	c := strata.New(newMemory(t), &strata.Options[string]{TracerProvider: tp, Name: "users"})
	defer c.Close()
	ctx, parent := tp.Tracer("app").Start(context.Background(), "request")

	must(t, c.Set(ctx, secretKey, "v", time.Hour))
	_, _ = c.Get(ctx, secretKey)
	_, _ = c.Get(ctx, "missing:"+secretKey)
	_, _ = c.GetMany(ctx, secretKey, "missing:"+secretKey)
	must(t, c.SetMany(ctx, map[string]string{secretKey: "w"}, time.Hour))
	_, _ = c.UpdateTimeout(ctx, secretKey, time.Hour)
	_, _ = c.GetOrSet(ctx, secretKey, time.Hour, func(context.Context) (string, error) { return "x", nil })
	_, _ = c.Remove(ctx, secretKey)
	must(t, c.Clear(ctx))
	parent.End()

	ops := map[string]string{"strata.Set": "set", "strata.Get": "get", "strata.GetMany": "get_many",
		"strata.SetMany": "set_many", "strata.UpdateTimeout": "update_timeout", "strata.GetOrSet": "get_or_set",
		"strata.Remove": "remove", "strata.Clear": "clear"}
	for name, op := range ops {
		spans := spansNamed(rec, name)
		if len(spans) == 0 {
			t.Errorf("no %s span", name)
			continue
		}
		for _, s := range spans {
			if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
				t.Errorf("%s is not a child of the caller's span", name)
			}
			a := attrs(s)
			if a["strata.op"].AsString() != op || a["strata.cache"].AsString() != "users" || a["strata.driver"].AsString() != "memory" {
				t.Errorf("%s attributes %v", name, s.Attributes())
			}
			if s.Status().Code == codes.Error {
				t.Errorf("%s failed: %v", name, s.Status())
			}
		}
	}
	gets := spansNamed(rec, "strata.Get")
	if len(gets) != 2 || !attrs(gets[0])["strata.hit"].AsBool() || attrs(gets[1])["strata.hit"].AsBool() {
		t.Errorf("Get spans: want a hit then a miss (a miss is no error), got %d spans", len(gets))
	}
	if gm := spansNamed(rec, "strata.GetMany"); len(gm) == 1 {
		a := attrs(gm[0])
		if a["strata.key_count"].AsInt64() != 2 || a["strata.hits"].AsInt64() != 1 || a["strata.misses"].AsInt64() != 1 {
			t.Errorf("GetMany span attributes %v; want 2 keys, 1 hit, 1 miss", gm[0].Attributes())
		}
	}
	if gs := spansNamed(rec, "strata.GetOrSet"); len(gs) == 1 && !attrs(gs[0])["strata.hit"].AsBool() {
		t.Errorf("GetOrSet of a stored key: strata.hit = false")
	}
	for _, s := range rec.Ended() {
		if leaks(s, secretKey) {
			t.Errorf("span %s shows the key without TraceKeys: %v %v", s.Name(), s.Attributes(), s.Status())
		}
	}
	if s := c.Stats(); s.Enabled {
		t.Errorf("Stats().Enabled with only a TracerProvider")
	}
}

// leaks reports whether key appears in any attribute, event or status of s.
func leaks(s sdktrace.ReadOnlySpan, key string) bool {
	var b strings.Builder
	b.WriteString(s.Status().Description)
	for _, kv := range s.Attributes() {
		b.WriteString(kv.Value.Emit())
	}
	for _, e := range s.Events() {
		b.WriteString(e.Name)
		for _, kv := range e.Attributes {
			b.WriteString(kv.Value.Emit())
		}
	}
	return strings.Contains(b.String(), key)
}

// TestTraceErrors: a failed call's span has status Error and its error class;
// the message, which names the key, only with TraceKeys.
func TestTraceErrors(t *testing.T) {
	for _, keys := range []bool{false, true} {
		tp, rec := newTracer(t)
		a, err := memory.Open(context.Background(), &memory.Options{MaxCost: memory.MinMaxCost})
		must(t, err)
		c := strata.New(a, &strata.Options[string]{TracerProvider: tp, TraceKeys: keys})
		if err := c.Set(context.Background(), secretKey, strings.Repeat("x", 4096), time.Hour); !errors.Is(err, memory.ErrTooLarge) {
			t.Fatalf("Set = %v; want ErrTooLarge", err)
		}
		_ = c.Close()
		sets := spansNamed(rec, "strata.Set")
		if len(sets) != 1 {
			t.Fatalf("%d Set spans", len(sets))
		}
		s := sets[0]
		if s.Status().Code != codes.Error || attrs(s)["strata.error_class"].AsString() != "other" || len(s.Events()) != 1 {
			t.Errorf("TraceKeys %v: status %v, attributes %v, events %v; want Error, class other, an exception event",
				keys, s.Status(), s.Attributes(), s.Events())
		}
		if got := leaks(s, secretKey); got != keys {
			t.Errorf("TraceKeys %v: the key appears in the span: %v; want %v", keys, got, keys)
		}
		if keys && attrs(s)["strata.key"].AsString() != secretKey {
			t.Errorf("TraceKeys: strata.key = %v", attrs(s)["strata.key"])
		}
	}
}

// TestTraceKeys: with TraceKeys a span holds its keys.
func TestTraceKeys(t *testing.T) {
	tp, rec := newTracer(t)
	c := strata.New(newMemory(t), &strata.Options[string]{TracerProvider: tp, TraceKeys: true})
	defer c.Close()
	_, _ = c.Get(context.Background(), "a")
	_, _ = c.GetMany(context.Background(), "a", "b")
	if g := spansNamed(rec, "strata.Get"); len(g) != 1 || attrs(g[0])["strata.key"].AsString() != "a" {
		t.Errorf("Get span: want strata.key a")
	}
	if g := spansNamed(rec, "strata.GetMany"); len(g) != 1 || strings.Join(attrs(g[0])["strata.keys"].AsStringSlice(), ",") != "a,b" {
		t.Errorf("GetMany span: want strata.keys [a b]")
	}
}

// TestTraceLoaderNested: the loader's ctx carries its GetOrSet call's span, so
// the loader's spans are children of it; callers that wait for that load are
// marked coalesced.
func TestTraceLoaderNested(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { // every waiter joins the flight before the load returns
		tp, rec := newTracer(t)
		c := strata.New(newMemory(t), &strata.Options[string]{TracerProvider: tp})
		defer c.Close()
		release := make(chan struct{})
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				_, _ = c.GetOrSet(context.Background(), "k", time.Minute, func(ctx context.Context) (string, error) {
					<-release
					_, sp := tp.Tracer("db").Start(ctx, "db.query")
					sp.End()
					return "v", nil
				})
			})
		}
		synctest.Wait()
		close(release)
		wg.Wait()

		calls := spansNamed(rec, "strata.GetOrSet")
		queries := spansNamed(rec, "db.query")
		if len(calls) != 3 || len(queries) != 1 {
			t.Fatalf("%d GetOrSet spans, %d loader spans; want 3 and 1", len(calls), len(queries))
		}
		coalesced := 0
		var loading sdktrace.ReadOnlySpan
		for _, s := range calls {
			if attrs(s)["strata.coalesced"].AsBool() {
				coalesced++
			} else {
				loading = s
			}
			if attrs(s)["strata.hit"].AsBool() {
				t.Errorf("a GetOrSet of a missing key has strata.hit true")
			}
		}
		if coalesced != 2 || loading == nil {
			t.Fatalf("%d coalesced GetOrSet spans; want 2", coalesced)
		}
		if q := queries[0]; q.Parent().SpanID() != loading.SpanContext().SpanID() {
			t.Errorf("the loader's span is not a child of the loading GetOrSet's span")
		}
	})
}
