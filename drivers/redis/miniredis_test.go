package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/conformance"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// fakeEpoch is where the fake clocks of these tests start: years away from the
// wall clock, so that an expiry decision made on the wall clock instead of
// Options.Clock shows (every grace header would look long expired).
var fakeEpoch = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// startMiniredis starts an in-process miniredis on a fake clock (at fakeEpoch), and
// a client for it; both stop when the test ends.
func startMiniredis(t testing.TB) (*redistest.Miniredis, goredis.UniversalClient) {
	t.Helper()
	m := redistest.StartMiniredis(t, fakeEpoch)
	return m, m.Client(t)
}

// miniHarness is harnessWith on an in-process miniredis whose fake clock the suite
// advances as it waits (Harness.Advance).
func miniHarness(t *testing.T, opts Options) conformance.Harness {
	clk, rdb := startMiniredis(t)
	return conformance.Harness{
		New: func(context.Context) (adapter.Adapter, error) {
			o := opts
			o.Prefix = redistest.RandomPrefix()
			o.Clock = clk
			a, err := New(rdb, &o)
			if err == nil && a.autoPipe != nil {
				a.autoPipe.always = true
			}
			return a, err
		},
		Grace:   opts.Grace,
		Advance: clk.Advance,
	}
}

// TestConformanceMiniredis runs the conformance suite on miniredis with the fake
// clock shared by miniredis and the adapter, in every configuration that does not
// need a Cluster or Sentinel (which miniredis does not emulate).
func TestConformanceMiniredis(t *testing.T) {
	conformance.Run(t, "redis conformance on miniredis",
		conformance.Named{Name: "miniredis", Harness: miniHarness(t, Options{})},
		conformance.Named{Name: "miniredis with grace", Harness: miniHarness(t, Options{Grace: conformanceGrace})},
		conformance.Named{Name: "miniredis autopipeline", Harness: miniHarness(t, Options{AutoPipeline: true})},
		conformance.Named{Name: "miniredis autopipeline with grace",
			Harness: miniHarness(t, Options{AutoPipeline: true, Grace: conformanceGrace})},
	)
}

// TestClockDrivesExpiry: with Options.Clock and miniredis on the same fake clock, a
// key expires exactly when the clock passes its TTL, with and without grace, and
// the wall clock plays no part (the fake time is years behind it, and does not
// move unless the test moves it).
func TestClockDrivesExpiry(t *testing.T) {
	for _, grace := range []time.Duration{0, time.Minute} {
		t.Run("grace="+grace.String(), func(t *testing.T) {
			clk, rdb := startMiniredis(t)
			a := newTestAdapter(t, rdb, Options{Grace: grace, Clock: clk})
			ctx := ctxT(t)
			const ttl = 10 * time.Second
			if err := a.Set(ctx, "k", []byte("v"), ttl); err != nil {
				t.Fatal(err)
			}
			if err := a.Set(ctx, "long", []byte("v"), time.Hour); err != nil {
				t.Fatal(err)
			}
			clk.Advance(ttl - time.Millisecond)
			if v, err := a.Get(ctx, "k"); err != nil || string(v) != "v" {
				t.Fatalf("1ms before its TTL on the fake clock: Get = %q, %v; want the value", v, err)
			}
			if _, left, err := a.GetWithTTL(ctx, "k"); err != nil || left != time.Millisecond {
				t.Fatalf("GetWithTTL 1ms before the TTL = %v, %v; want 1ms left", left, err)
			}
			clk.Advance(time.Millisecond)
			if _, err := a.Get(ctx, "k"); !errors.Is(err, adapter.ErrNotFound) {
				t.Fatalf("at its TTL on the fake clock: Get = %v; want ErrNotFound", err)
			}
			got, err := a.GetMany(ctx, []string{"k", "long"})
			if err != nil || len(got) != 1 || string(got["long"]) != "v" {
				t.Fatalf("GetMany after k's TTL = %q, %v; want only long", got, err)
			}
			if all, err := a.Remove(ctx, "k"); err != nil || all {
				t.Fatalf("Remove of the expired key = %v, %v; want false (it had expired)", all, err)
			}
		})
	}
}

// TestClockDrivesGrace: with grace, an expired key stays revivable by UpdateTimeout
// until the fake clock passes its grace window, and not a millisecond longer.
func TestClockDrivesGrace(t *testing.T) {
	clk, rdb := startMiniredis(t)
	const ttl, grace = 10 * time.Second, 30 * time.Second
	a := newTestAdapter(t, rdb, Options{Grace: grace, Clock: clk})
	ctx := ctxT(t)
	for _, k := range []string{"revived", "stale", "lost"} {
		if err := a.Set(ctx, k, []byte(k), ttl); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(ttl + grace/2)
	if v, stale, err := a.GetStale(ctx, "stale"); err != nil || !stale || string(v) != "stale" {
		t.Fatalf("GetStale within grace = %q, %v, %v; want the value, stale", v, stale, err)
	}
	if v, err := a.UpdateTimeout(ctx, "revived", time.Minute); err != nil || string(v) != "revived" {
		t.Fatalf("UpdateTimeout within grace = %q, %v; want the value revived", v, err)
	}
	clk.Advance(grace/2 - time.Millisecond)
	if _, stale, err := a.GetStale(ctx, "lost"); err != nil || !stale {
		t.Fatalf("GetStale 1ms before the grace window ends = %v, %v; want stale", stale, err)
	}
	clk.Advance(time.Millisecond)
	if _, err := a.UpdateTimeout(ctx, "lost", time.Minute); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("UpdateTimeout once the grace window ended = %v; want ErrNotFound", err)
	}
	if v, err := a.Get(ctx, "revived"); err != nil || string(v) != "revived" {
		t.Fatalf("Get of the revived key = %q, %v", v, err)
	}
}
