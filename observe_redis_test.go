package strata_test

// Metrics from what the drivers report (adapter.Reporter), on real redis-server
// processes: layered's L1/L2 split and invalidations between two processes, and the
// breaker gauge when the server is killed. Real servers: the waits poll with
// generous bounds and assert no tight times.

import (
	"context"
	"net/url"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/layered"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// eventually polls cond every 10ms until it holds, failing the test after bound.
func eventually(t *testing.T, bound time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(bound); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, bound)
		}
		time.Sleep(10 * time.Millisecond) // real server: wait for it
	}
}

func layer(l string) attribute.KeyValue { return attribute.String("layer", l) }

// TestObserveLayeredSplit: two processes' layered caches (memory over one
// redis): reads are split into L1 and L2 hits and misses, a write is published
// by one and received by the other, and L1's memory gauges are reported.
func TestObserveLayeredSplit(t *testing.T) {
	ctx := testCtx(t)
	serverURL, prefix := redistest.ServerURL(t)
	redisURL := withQuery(serverURL, "prefix="+url.QueryEscape(prefix+"split:"))
	u := "layered://?l2=" + url.QueryEscape(redisURL)
	open := func(name string) (*strata.Cache[string], *testMeter) {
		m := newTestMeter(t)
		c, err := strata.Open(ctx, u, &strata.Options[string]{MeterProvider: m, Name: name})
		must(t, err)
		t.Cleanup(func() { _ = c.Close() })
		eventually(t, 30*time.Second, name+" healthy", c.Adapter().(*layered.Adapter).Healthy)
		return c, m
	}
	a, ma := open("a")
	b, mb := open("b")
	// A writer that publishes nothing, so that no invalidation races with b's reads.
	plain, err := strata.Open[string](ctx, redisURL, nil)
	must(t, err)
	t.Cleanup(func() { _ = plain.Close() })

	must(t, plain.Set(ctx, "k", "v1", time.Hour))
	for range 2 { // an L2 hit that fills L1, then an L1 hit
		if v, err := b.Get(ctx, "k"); err != nil || v != "v1" {
			t.Fatalf("b.Get(k) = %q, %v", v, err)
		}
	}
	if _, err := b.Get(ctx, "nope"); err == nil {
		t.Fatal("b.Get(nope) found a value")
	}
	if s := b.Stats(); s.Hits != 2 || s.Misses != 1 {
		t.Errorf("b.Stats() = %+v; want 2 hits, 1 miss", s)
	}
	bm := mb.collect(t)
	bm.want(t, "strata.cache.layer.hits", 1, layer("l1"), attribute.String("cache", "b"), attribute.String("driver", "layered"))
	bm.want(t, "strata.cache.layer.misses", 2, layer("l1"))
	bm.want(t, "strata.cache.layer.hits", 1, layer("l2"))
	bm.want(t, "strata.cache.layer.misses", 1, layer("l2"))
	bm.want(t, "strata.cache.invalidations.received", 0)
	if n, _ := bm.value("strata.cache.memory.max_cost"); n <= 0 {
		t.Errorf("b's L1 max cost = %d; want its bound", n)
	}
	if n, _ := bm.value("strata.cache.memory.cost"); n <= 0 {
		t.Errorf("b's L1 cost = %d; want what its entries are charged", n)
	}

	// a's write reaches b: b drops its L1 copy and reads v2 from L2.
	must(t, a.Set(ctx, "k", "v2", time.Hour))
	eventually(t, 10*time.Second, "b reads a's write", func() bool {
		v, err := b.Get(ctx, "k")
		return err == nil && v == "v2"
	})
	bm = mb.collect(t)
	if n, _ := bm.value("strata.cache.invalidations.received"); n < 1 {
		t.Errorf("b received %d invalidations; want at least 1", n)
	}
	if n, _ := bm.value("strata.cache.layer.hits", layer("l2")); n < 2 {
		t.Errorf("b's L2 hits = %d; want at least 2 (v1, then v2)", n)
	}
	ms := ma.collect(t)
	ms.want(t, "strata.cache.invalidations.published", 1, attribute.String("cache", "a"))
	ms.want(t, "strata.cache.breaker.open", 0)
}

// TestObserveBreakerGauge: when the redis-server under a Cache (redis, or
// layered over it) is killed, strata.cache.breaker.open turns 1, breaker.opens
// counts the opening and the failed calls count as unavailable.
func TestObserveBreakerGauge(t *testing.T) {
	for _, kind := range []string{"redis", "layered"} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			srv := redistest.StartServer(t, nil)
			u := withQuery(srv.URL(), "read_timeout=500ms&write_timeout=500ms&prefix="+redistest.RandomPrefix())
			if kind == "layered" {
				u = "layered://?l2=" + url.QueryEscape(u)
			}
			m := newTestMeter(t)
			c, err := strata.Open(ctx, u, &strata.Options[string]{MeterProvider: m})
			must(t, err)
			t.Cleanup(func() { _ = c.Close() })
			must(t, c.Set(ctx, "k", "v", time.Hour))
			ms := m.collect(t)
			ms.want(t, "strata.cache.breaker.open", 0, attribute.String("driver", kind))
			ms.want(t, "strata.cache.breaker.opens", 0)

			must(t, srv.Kill())
			eventually(t, 60*time.Second, "the breaker opens", func() bool {
				_, _ = c.Get(ctx, "k")
				return c.Stats().Driver.BreakerOpen
			})
			ms = m.collect(t)
			ms.want(t, "strata.cache.breaker.open", 1, attribute.String("driver", kind))
			if n, _ := ms.value("strata.cache.breaker.opens"); n < 1 {
				t.Errorf("breaker.opens = %d; want at least 1", n)
			}
			if n, _ := ms.value("strata.cache.errors", op("get"), attribute.String("class", "unavailable")); n < 1 {
				t.Errorf("unavailable errors of get = %d; want at least 1", n)
			}
			if s := c.Stats(); s.Errors.Unavailable < 1 {
				t.Errorf("Stats().Errors = %+v; want unavailable ones", s.Errors)
			}
		})
	}
}
