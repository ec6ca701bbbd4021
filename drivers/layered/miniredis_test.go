package layered

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/conformance"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// fakeEpoch is where the fake clocks of these tests start: years behind the wall
// clock, so that an expiry decided on the wall clock instead shows.
var fakeEpoch = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// startMiniredis starts an in-process miniredis on a fake clock (at fakeEpoch), and
// a client for it; both stop when the test ends.
func startMiniredis(t testing.TB) (*redistest.Miniredis, goredis.UniversalClient) {
	t.Helper()
	m := redistest.StartMiniredis(t, fakeEpoch)
	return m, m.Client(t)
}

// overMiniredis returns a layered adapter (memory L1 over a redis L2 with grace,
// under a random prefix) on rdb, every part on clk.
func overMiniredis(rdb goredis.UniversalClient, clk *redistest.Miniredis, grace time.Duration) (*Adapter, error) {
	l2, err := redis.New(rdb, &redis.Options{Prefix: redistest.RandomPrefix(), Grace: grace, Clock: clk})
	if err != nil {
		return nil, err
	}
	l1, err := memory.Open(context.Background(), &memory.Options{Clock: clk})
	if err != nil {
		_ = l2.Close()
		return nil, err
	}
	return New(l1, l2, &Options{Clock: clk})
}

// TestConformanceMiniredis runs the conformance suite on a memory L1 over a redis
// L2 on miniredis, with and without grace, the layers and miniredis sharing a fake
// clock that the suite advances as it waits. Invalidations travel over miniredis'
// pub/sub.
func TestConformanceMiniredis(t *testing.T) {
	harness := func(grace time.Duration) conformance.Harness {
		clk, rdb := startMiniredis(t)
		return conformance.Harness{
			New: func(context.Context) (adapter.Adapter, error) {
				return overMiniredis(rdb, clk, grace)
			},
			Grace:   grace,
			Advance: clk.Advance,
		}
	}
	conformance.Run(t, "layered conformance on miniredis",
		conformance.Named{Name: "layered: memory over miniredis", Harness: harness(0)},
		conformance.Named{Name: "layered: memory over miniredis with grace", Harness: harness(redisGrace)},
	)
}

// TestClockExpiresL1AndL2Together: with one fake clock for L1, L2 and miniredis, a
// value read (and so held in L1) expires exactly when the clock passes its TTL:
// L1 does not keep serving it on the wall clock, which does not move here.
func TestClockExpiresL1AndL2Together(t *testing.T) {
	clk, rdb := startMiniredis(t)
	a, err := overMiniredis(rdb, clk, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	ctx := ctxT(t)
	const ttl = 10 * time.Second
	if err := a.Set(ctx, "k", []byte("v"), ttl); err != nil {
		t.Fatal(err)
	}
	if _, left, err := a.L1().(adapter.TTLReader).GetWithTTL(ctx, "k"); err != nil || left != ttl {
		t.Fatalf("L1 after Set: %v left, %v; want the whole %v (no fake time passed)", left, err, ttl)
	}
	clk.Advance(ttl - time.Millisecond)
	if v, err := a.L1().Get(ctx, "k"); err != nil || string(v) != "v" {
		t.Fatalf("1ms before the TTL: L1 has %q, %v; want the value", v, err)
	}
	if v, err := a.Get(ctx, "k"); err != nil || string(v) != "v" {
		t.Fatalf("1ms before the TTL: Get = %q, %v; want the value", v, err)
	}
	clk.Advance(time.Millisecond)
	if _, err := a.L1().Get(ctx, "k"); !errors.Is(err, adapter.ErrNotFound) {
		t.Errorf("L1 at the TTL on the fake clock: %v; want ErrNotFound", err)
	}
	if _, err := a.Get(ctx, "k"); !errors.Is(err, adapter.ErrNotFound) {
		t.Errorf("Get at the TTL on the fake clock: %v; want ErrNotFound", err)
	}
}

// TestClockNeedsAnL1OnTheSameClock: New refuses Options.Clock over a memory L1 on
// the wall clock, whose entries would outlive the fake time.
func TestClockNeedsAnL1OnTheSameClock(t *testing.T) {
	clk, rdb := startMiniredis(t)
	l2, err := redis.New(rdb, &redis.Options{Prefix: redistest.RandomPrefix(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	l1 := newMem(t, nil)
	if _, err := New(l1, l2, &Options{Clock: clk}); err == nil || !strings.Contains(err.Error(), "memory.Options.Clock") {
		t.Fatalf("New with Options.Clock over a wall-clock L1: %v; want an error naming memory.Options.Clock", err)
	}
}
