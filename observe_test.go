package strata_test

// Metrics and Stats (Options.MeterProvider, CountStats): the counters move as
// docs/observability.md says, over every in-tree driver, read through a real SDK
// MeterProvider with a ManualReader and through Cache.Stats.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/serializer"
)

// testMeter is an SDK MeterProvider whose ManualReader the test collects from.
type testMeter struct {
	*sdkmetric.MeterProvider
	reader *sdkmetric.ManualReader
}

func newTestMeter(t *testing.T) *testMeter {
	t.Helper()
	r := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return &testMeter{MeterProvider: mp, reader: r}
}

// metrics is one collection: the strata instruments by name.
type metrics map[string]metricdata.Metrics

func (m *testMeter) collect(t *testing.T) metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := m.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, mt := range sm.Metrics {
			out[mt.Name] = mt
		}
	}
	return out
}

// matches reports whether set holds every attribute of want.
func matches(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		if v, ok := set.Value(kv.Key); !ok || v != kv.Value {
			return false
		}
	}
	return true
}

// value returns the sum of name's data points whose attributes include attrs, and
// whether there is any.
func (ms metrics) value(name string, attrs ...attribute.KeyValue) (int64, bool) {
	var n int64
	found := false
	switch d := ms[name].Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, attrs) {
				n, found = n+p.Value, true
			}
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, attrs) {
				n, found = n+p.Value, true
			}
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, attrs) {
				n, found = n+int64(p.Count), true
			}
		}
	}
	return n, found
}

// want fails the test unless name's points with attrs add up to v.
func (ms metrics) want(t *testing.T, name string, v int64, attrs ...attribute.KeyValue) {
	t.Helper()
	got, ok := ms.value(name, attrs...)
	if !ok || got != v {
		t.Errorf("%s%v = %d (found: %v); want %d", name, attrs, got, ok, v)
	}
}

func op(name string) attribute.KeyValue { return attribute.String("op", name) }

// TestObserveCountsEveryDriver: one sequence of calls over memory, redis and
// layered moves every per-operation counter as documented, in the metrics and in
// Stats alike; errors the caller caused are not counted.
func TestObserveCountsEveryDriver(t *testing.T) {
	for _, d := range driverKinds(t) {
		t.Run(d.name, func(t *testing.T) {
			ctx := testCtx(t)
			m := newTestMeter(t)
			c := strata.New(openDriver(t, d), &strata.Options[string]{Prefix: appPrefix, Name: "users", MeterProvider: m})
			boom := errors.New("database down")
			load := func(v string, err error) func(context.Context) (string, error) {
				return func(context.Context) (string, error) { return v, err }
			}

			must(t, c.Set(ctx, "a", "1", time.Hour))
			if v, err := c.Get(ctx, "a"); err != nil || v != "1" {
				t.Fatalf("Get(a) = %q, %v", v, err)
			}
			_, _ = c.Get(ctx, "b")
			_, _ = c.GetOrDefault(ctx, "b", "")
			if got, err := c.GetMany(ctx, "a", "b", "c"); err != nil || len(got) != 1 {
				t.Fatalf("GetMany = %v, %v", got, err)
			}
			must(t, c.SetMany(ctx, map[string]string{"x": "X", "y": "Y"}, time.Hour))
			_, _ = c.GetOrSet(ctx, "a", time.Hour, load("", boom))
			_, _ = c.GetOrSet(ctx, "d", time.Hour, load("D", nil))
			_, _ = c.GetOrSet(ctx, "e", time.Hour, load("", boom))
			if _, err := c.Remove(ctx, "a", "x"); err != nil {
				t.Fatal(err)
			}
			_, _ = c.UpdateTimeout(ctx, "y", time.Hour)
			_, _ = c.UpdateTimeout(ctx, "zz", time.Hour)
			must(t, c.Clear(ctx))
			// What the caller causes is not an error of the cache's.
			_, _ = c.Get(ctx, "")
			_ = c.Set(ctx, "k", "v", -5*time.Second)
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			_, _ = c.Get(cancelled, "a")
			_, _ = c.GetOrSet(ctx, "f", time.Hour, nil)

			s := c.Stats()
			want := strata.Stats{Enabled: true, Hits: 3, Misses: 6, Sets: 4, Removes: 2, Loads: 2, LoadErrors: 1,
				Reported: true, Driver: s.Driver}
			if s != want {
				t.Errorf("Stats() = %+v\nwant %+v", s, want)
			}
			if s.Driver.Driver != d.name {
				t.Errorf("Stats().Driver.Driver = %q; want %q", s.Driver.Driver, d.name)
			}

			ms := m.collect(t)
			base := []attribute.KeyValue{attribute.String("cache", "users"), attribute.String("driver", d.name)}
			at := func(kv ...attribute.KeyValue) []attribute.KeyValue {
				return append(append([]attribute.KeyValue{}, base...), kv...)
			}
			ms.want(t, "strata.cache.hits", 1, at(op("get"))...)
			ms.want(t, "strata.cache.misses", 2, at(op("get"))...)
			ms.want(t, "strata.cache.hits", 1, at(op("get_many"))...)
			ms.want(t, "strata.cache.misses", 2, at(op("get_many"))...)
			ms.want(t, "strata.cache.hits", 1, at(op("get_or_set"))...)
			ms.want(t, "strata.cache.misses", 2, at(op("get_or_set"))...)
			ms.want(t, "strata.cache.sets", 1, at(op("set"))...)
			ms.want(t, "strata.cache.sets", 2, at(op("set_many"))...)
			ms.want(t, "strata.cache.sets", 1, at(op("get_or_set"))...)
			ms.want(t, "strata.cache.removes", 2, at()...)
			ms.want(t, "strata.cache.loads", 2, at()...)
			ms.want(t, "strata.cache.load.errors", 1, at()...)
			ms.want(t, "strata.cache.load.duration", 2, at()...)
			ms.want(t, "strata.cache.loads.coalesced", 0, at()...)
			ms.want(t, "strata.cache.negative.hits", 0, at()...)
			ms.want(t, "strata.cache.stale.served", 0, at()...)
			if n, ok := ms.value("strata.cache.errors"); ok || n != 0 {
				t.Errorf("strata.cache.errors = %d; want no series (no call failed)", n)
			}
			if d.name != "memory" && d.name != "layered" {
				// A networked driver times every call, those refused included.
				ms.want(t, "strata.cache.operation.duration", 5, at(op("get"))...)
				ms.want(t, "strata.cache.operation.duration", 1, at(op("clear"))...)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestObserveErrorClasses: failures are counted by class and operation; a miss is
// not a failure.
func TestObserveErrorClasses(t *testing.T) {
	ctx := context.Background()
	a, err := memory.Open(ctx, &memory.Options{MaxCost: memory.MinMaxCost})
	must(t, err)
	m := newTestMeter(t)
	c := strata.New(a, &strata.Options[[]int]{MeterProvider: m})
	defer c.Close()

	// codec: bytes another writer left that msgpack cannot read, by Get, by
	// GetMany (a BatchError beside the other keys' results) and by GetOrSet (which
	// loads over them).
	must(t, a.Set(ctx, "junk", []byte{0xc1}, time.Hour))
	if _, err := c.Get(ctx, "junk"); !errors.Is(err, strata.ErrCodec) {
		t.Fatalf("Get(junk) = %v; want ErrCodec", err)
	}
	must(t, c.Set(ctx, "good", []int{1}, time.Hour))
	got, err := c.GetMany(ctx, "junk", "good", "none")
	if !errors.Is(err, strata.ErrCodec) || len(got) != 1 {
		t.Fatalf("GetMany(junk, good, none) = %v, %v; want good's value and a BatchError for junk", got, err)
	}
	if _, err := c.GetOrSet(ctx, "junk", time.Hour, func(context.Context) ([]int, error) { return []int{1}, nil }); err != nil {
		t.Fatalf("GetOrSet(junk) = %v", err)
	}
	// other: a value larger than the memory bound.
	if err := c.Set(ctx, "big", make([]int, 4096), time.Hour); !errors.Is(err, memory.ErrTooLarge) {
		t.Fatalf("Set(big) = %v; want ErrTooLarge", err)
	}
	// timeout: a deadline that has passed.
	late, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	if _, err := c.Get(late, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get with a passed deadline = %v", err)
	}

	s := c.Stats()
	if want := (strata.ErrorStats{Codec: 3, Timeout: 1, Other: 1}); s.Errors != want || s.Errors.Total() != 5 {
		t.Errorf("Stats().Errors = %+v; want %+v", s.Errors, want)
	}
	if s.Misses != 1 || s.Hits != 1 {
		t.Errorf("Stats() hits %d, misses %d; want GetMany's 1 and 1: failures are neither", s.Hits, s.Misses)
	}
	ms := m.collect(t)
	class := func(c string) attribute.KeyValue { return attribute.String("class", c) }
	ms.want(t, "strata.cache.errors", 1, op("get"), class("codec"))
	ms.want(t, "strata.cache.errors", 1, op("get_or_set"), class("codec"))
	ms.want(t, "strata.cache.errors", 1, op("set"), class("other"))
	ms.want(t, "strata.cache.errors", 1, op("get"), class("timeout"))
	ms.want(t, "strata.cache.errors", 1, op("get_many"), class("codec"))
	ms.want(t, "strata.cache.hits", 1, op("get_many"))
	ms.want(t, "strata.cache.misses", 1, op("get_many"))
	ms.want(t, "strata.cache.errors", 5)
}

// TestObserveLoadsAndWaiters: ten callers of one missing key share one load: one
// load, nine coalesced waiters, ten misses; a failing or panicking loader counts a
// load error, a loader's ErrNotFound does not.
func TestObserveLoadsAndWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { // every waiter joins the flight before the load returns
		c := strata.New(newMemory(t), &strata.Options[string]{CountStats: true})
		defer c.Close()
		release := make(chan struct{})
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if _, err := c.GetOrSet(context.Background(), "k", time.Minute, func(context.Context) (string, error) {
					<-release
					return "v", nil
				}); err != nil {
					t.Error(err)
				}
			})
		}
		synctest.Wait()
		if s := c.Stats(); s.Loads != 1 || s.Coalesced != 9 || s.Misses != 10 {
			t.Errorf("while loading: Stats() = %+v; want 1 load, 9 coalesced, 10 misses", s)
		}
		close(release)
		wg.Wait()

		ctx := context.Background()
		_, _ = c.GetOrSet(ctx, "e", time.Minute, func(context.Context) (string, error) { return "", errors.New("boom") })
		_, _ = c.GetOrSet(ctx, "p", time.Minute, func(context.Context) (string, error) { panic("boom") })
		_, _ = c.GetOrSet(ctx, "n", time.Minute, func(context.Context) (string, error) { return "", strata.ErrNotFound })
		if s := c.Stats(); s.Loads != 4 || s.LoadErrors != 2 || s.Sets != 1 || s.Coalesced != 9 {
			t.Errorf("after the loads: Stats() = %+v; want 4 loads, 2 load errors, 1 set, 9 coalesced", s)
		}
	})
}

// TestObserveNegativeAndStale: answers from a cached absence and stale values
// served are counted.
func TestObserveNegativeAndStale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { // fake time: the value expires exactly
		ctx := context.Background()
		a, err := memory.Open(ctx, &memory.Options{Grace: 10 * time.Second})
		must(t, err)
		m := newTestMeter(t)
		c := strata.New(a, &strata.Options[string]{MeterProvider: m, NegativeTTL: time.Hour})
		defer c.Close()
		absent := func(context.Context) (string, error) { return "", strata.ErrNotFound }
		_, _ = c.GetOrSet(ctx, "gone", time.Minute, absent)
		if _, err := c.Get(ctx, "gone"); !errors.Is(err, strata.ErrCachedAbsence) {
			t.Fatalf("Get(gone) = %v; want ErrCachedAbsence", err)
		}
		if _, err := c.GetOrSet(ctx, "gone", time.Minute, absent); !errors.Is(err, strata.ErrCachedAbsence) {
			t.Fatalf("GetOrSet(gone) = %v; want ErrCachedAbsence", err)
		}

		must(t, c.Set(ctx, "k", "last known", time.Second))
		time.Sleep(3 * time.Second) // fake time: past the TTL, within the grace
		if v, err := c.GetOrSet(ctx, "k", time.Minute, func(context.Context) (string, error) {
			return "", errors.New("database down")
		}); !errors.Is(err, strata.ErrStale) || v != "last known" {
			t.Fatalf("GetOrSet(k) = %q, %v; want the stale value", v, err)
		}

		s := c.Stats()
		if s.NegativeHits != 2 || s.StaleServed != 1 || s.LoadErrors != 1 || s.Misses != 4 {
			t.Errorf("Stats() = %+v; want 2 negative hits, 1 stale, 1 load error, 4 misses", s)
		}
		ms := m.collect(t)
		ms.want(t, "strata.cache.negative.hits", 2)
		ms.want(t, "strata.cache.stale.served", 1)
		ms.want(t, "strata.cache.misses", 1, op("get"))
	})
}

// TestObserveOffCountsNothing: without MeterProvider or CountStats Stats says so,
// and still reports the driver's own counters.
func TestObserveOffCountsNothing(t *testing.T) {
	ctx := context.Background()
	c := strata.New(newMemory(t), &strata.Options[string]{})
	defer c.Close()
	must(t, c.Set(ctx, "k", "v", time.Hour))
	_, _ = c.Get(ctx, "k")
	s := c.Stats()
	if s.Enabled || s.Hits != 0 || s.Sets != 0 {
		t.Errorf("Stats() with counting off = %+v; want Enabled false and no counts", s)
	}
	if !s.Reported || s.Driver.Driver != "memory" || s.Driver.MemoryMaxCost == 0 {
		t.Errorf("Stats().Driver = %+v (reported %v); want the memory driver's Report", s.Driver, s.Reported)
	}
	if s := strata.New[string](nil, nil).Stats(); s.Enabled || s.Reported {
		t.Errorf("Stats() of a Cache without adapter = %+v", s)
	}
}

// TestObserveHistograms: over an in-process driver one call in 128 is timed, per
// stripe, so the count of a few thousand calls lies between a share of them and
// all; GetOrSet's loads are all timed.
func TestObserveHistograms(t *testing.T) {
	ctx := context.Background()
	m := newTestMeter(t)
	c := strata.New(newMemory(t), &strata.Options[string]{MeterProvider: m})
	defer c.Close()
	must(t, c.Set(ctx, "k", "v", time.Hour))
	const calls = 4096
	for range calls {
		if _, err := c.Get(ctx, "k"); err != nil {
			t.Fatal(err)
		}
	}
	ms := m.collect(t)
	n, ok := ms.value("strata.cache.operation.duration", op("get"))
	if !ok || n < calls/128/2 || n > calls/8 {
		t.Errorf("%d Gets timed %d times; want about 1 in 128", calls, n)
	}
	h, _ := ms["strata.cache.operation.duration"].Data.(metricdata.Histogram[float64])
	if len(h.DataPoints) == 0 || len(h.DataPoints[0].Bounds) < 20 || h.DataPoints[0].Bounds[0] != 1e-7 {
		t.Errorf("operation.duration bounds = %v; want explicit buckets from 100ns", h.DataPoints)
	}
	if u := ms["strata.cache.operation.duration"].Unit; u != "s" {
		t.Errorf("operation.duration unit %q; want s", u)
	}
}

// TestObserveNoExtraAllocation: counting a hit allocates nothing, metrics on or off.
func TestObserveNoExtraAllocation(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts vary under the race detector (sync.Pool drops items at random)")
	}
	ctx := context.Background()
	allocs := func(opts *strata.Options[[]byte]) float64 {
		opts.Codec = serializer.Raw[[]byte]()
		c := strata.New(newMemory(t), opts)
		defer c.Close()
		must(t, c.Set(ctx, "k", []byte("value"), time.Hour))
		return testing.AllocsPerRun(1000, func() {
			if _, err := c.Get(ctx, "k"); err != nil {
				t.Fatal(err)
			}
		})
	}
	off := allocs(&strata.Options[[]byte]{})
	if on := allocs(&strata.Options[[]byte]{MeterProvider: newTestMeter(t)}); on != off {
		t.Errorf("a hit allocates %v times with metrics, %v without", on, off)
	}
	if on := allocs(&strata.Options[[]byte]{CountStats: true}); on != off {
		t.Errorf("a hit allocates %v times with CountStats, %v without", on, off)
	}
}

// TestObserveCloseUnregisters: a closed Cache is no longer read by its
// MeterProvider (which would otherwise keep it alive), and Stats still answers.
func TestObserveCloseUnregisters(t *testing.T) {
	ctx := context.Background()
	m := newTestMeter(t)
	open := strata.New(newMemory(t), &strata.Options[string]{MeterProvider: m, Name: "open"})
	defer open.Close()
	closed := strata.New(newMemory(t), &strata.Options[string]{MeterProvider: m, Name: "closed"})
	must(t, closed.Set(ctx, "k", "v", time.Hour))
	ms := m.collect(t)
	ms.want(t, "strata.cache.sets", 1, attribute.String("cache", "closed"))
	must(t, closed.Close())
	_ = closed.Close()
	ms = m.collect(t)
	if _, ok := ms.value("strata.cache.sets", attribute.String("cache", "closed")); ok {
		t.Error("a closed Cache is still observed")
	}
	ms.want(t, "strata.cache.sets", 0, attribute.String("cache", "open"))
	if s := closed.Stats(); s.Sets != 1 {
		t.Errorf("Stats() after Close = %+v", s)
	}
}

// TestObserveNames: the "cache" attribute is Name, else the prefix, else
// "default".
func TestObserveNames(t *testing.T) {
	for _, tc := range []struct{ name, prefix, want string }{
		{"", "", "default"}, {"", "users:", "users:"}, {"sessions", "users:", "sessions"},
	} {
		m := newTestMeter(t)
		c := strata.New(newMemory(t), &strata.Options[string]{MeterProvider: m, Name: tc.name, Prefix: tc.prefix})
		ms := m.collect(t)
		ms.want(t, "strata.cache.loads", 0, attribute.String("cache", tc.want), attribute.String("driver", "memory"))
		_ = c.Close()
	}
}

// documentedInstruments are the instruments docs/observability.md lists, in its
// order (TestObserveDocumented checks the table against this list).
var documentedInstruments = []string{
	"strata.cache.hits", "strata.cache.misses", "strata.cache.sets", "strata.cache.removes",
	"strata.cache.errors", "strata.cache.operation.duration", "strata.cache.loads",
	"strata.cache.loads.coalesced", "strata.cache.load.errors", "strata.cache.load.duration",
	"strata.cache.negative.hits", "strata.cache.stale.served", "strata.cache.layer.hits",
	"strata.cache.layer.misses", "strata.cache.invalidations.published",
	"strata.cache.invalidations.received", "strata.cache.resets", "strata.cache.breaker.open",
	"strata.cache.breaker.opens", "strata.cache.memory.cost", "strata.cache.memory.max_cost",
	"strata.cache.evictions", "strata.cache.rejected", "strata.cache.pipeline.batches",
	"strata.cache.pipeline.commands",
}

// TestObserveDriverFallback: an adapter that is not an adapter.Reporter is named
// by its package.
func TestObserveDriverFallback(t *testing.T) {
	m := newTestMeter(t)
	c := strata.New(&spy{Adapter: newMemory(t)}, &strata.Options[string]{MeterProvider: m})
	defer c.Close()
	_, _ = c.Get(context.Background(), "k")
	ms := m.collect(t)
	ms.want(t, "strata.cache.misses", 1, op("get"), attribute.String("driver", "strata_test"))
	if _, ok := ms.value("strata.cache.layer.hits"); ok {
		t.Error("an adapter without Report has layer counts")
	}
	if s := c.Stats(); s.Reported || s.Misses != 1 {
		t.Errorf("Stats() = %+v", s)
	}
}

// TestObserveConcurrentCounts: counts from many goroutines add up exactly (the
// stripes lose nothing).
func TestObserveConcurrentCounts(t *testing.T) {
	ctx := context.Background()
	c := strata.New(newMemory(t), &strata.Options[string]{CountStats: true})
	defer c.Close()
	must(t, c.Set(ctx, "k", "v", time.Hour))
	const workers, calls = 16, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range calls {
				if _, err := c.Get(ctx, "k"); err != nil {
					t.Error(err)
					return
				}
				_, _ = c.Get(ctx, fmt.Sprint("missing", w, i))
			}
		})
	}
	wg.Wait()
	if s := c.Stats(); s.Hits != workers*calls || s.Misses != workers*calls {
		t.Errorf("Stats() = %d hits, %d misses; want %d each", s.Hits, s.Misses, workers*calls)
	}
}

// TestObserveDocumented: docs/observability.md's table lists exactly the
// instruments a Cache creates.
func TestObserveDocumented(t *testing.T) {
	doc, err := os.ReadFile("docs/observability.md")
	must(t, err)
	var listed []string
	for _, line := range strings.Split(string(doc), "\n") {
		if rest, ok := strings.CutPrefix(line, "| `strata.cache."); ok {
			listed = append(listed, "strata.cache."+rest[:strings.Index(rest, "`")])
		}
	}
	if !slices.Equal(listed, documentedInstruments) {
		t.Errorf("docs/observability.md lists\n%v\nthe Cache creates\n%v", listed, documentedInstruments)
	}
	// Every instrument a Cache creates is collected once it has something to report.
	ctx := context.Background()
	m := newTestMeter(t)
	a, err := memory.Open(ctx, nil)
	must(t, err)
	c := strata.New(a, &strata.Options[string]{MeterProvider: m})
	defer c.Close()
	_, _ = c.GetOrSet(ctx, "k", time.Minute, func(context.Context) (string, error) { return "v", nil })
	late, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	_, _ = c.Get(late, "k")
	for range 256 { // timed one call in 128
		_, _ = c.Get(ctx, "k")
	}
	ms := m.collect(t)
	for _, name := range documentedInstruments {
		if _, ok := ms[name]; !ok {
			t.Errorf("%s was not collected", name)
		}
	}
	if len(ms) != len(documentedInstruments) {
		t.Errorf("collected %d instruments; documented %d", len(ms), len(documentedInstruments))
	}
}
