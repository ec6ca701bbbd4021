package memory_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
)

// fakeEpoch is where the fake clocks of these tests start, years from the wall
// clock.
var fakeEpoch = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// TestClockDrivesExpiry: with Options.Clock, TTLs and the grace window run on that
// clock alone: a value expires exactly when the clock passes its TTL and can be
// revived until it passes the grace window, while the wall clock, which barely
// moves during the test, plays no part.
func TestClockDrivesExpiry(t *testing.T) {
	clock := &testClock{now: fakeEpoch}
	const ttl, grace = 10 * time.Second, 30 * time.Second
	a, err := memory.Open(t.Context(), &memory.Options{Clock: clock, Grace: grace})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := t.Context()
	for _, k := range []string{"k", "revived", "lost"} {
		if err := a.Set(ctx, k, []byte("v"), ttl); err != nil {
			t.Fatal(err)
		}
	}
	if _, left, err := a.GetWithTTL(ctx, "k"); err != nil || left != ttl {
		t.Fatalf("GetWithTTL at once = %v, %v; want exactly %v (no fake time passed)", left, err, ttl)
	}
	clock.Advance(ttl - time.Millisecond)
	if _, left, err := a.GetWithTTL(ctx, "k"); err != nil || left != time.Millisecond {
		t.Fatalf("GetWithTTL 1ms before the TTL = %v, %v; want 1ms", left, err)
	}
	clock.Advance(time.Millisecond)
	if _, err := a.Get(ctx, "k"); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("Get at the TTL on the fake clock = %v; want ErrNotFound", err)
	}
	if got, err := a.GetMany(ctx, []string{"k", "revived"}); err != nil || len(got) != 0 {
		t.Fatalf("GetMany at the TTL = %q, %v; want nothing", got, err)
	}
	if _, stale, err := a.GetStale(ctx, "k"); err != nil || !stale {
		t.Fatalf("GetStale within grace = %v, %v; want the value, stale", stale, err)
	}
	clock.Advance(grace - time.Millisecond)
	if v, err := a.UpdateTimeout(ctx, "revived", time.Minute); err != nil || string(v) != "v" {
		t.Fatalf("UpdateTimeout 1ms before the grace window ends = %q, %v; want it revived", v, err)
	}
	clock.Advance(time.Millisecond)
	if _, err := a.UpdateTimeout(ctx, "lost", time.Minute); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("UpdateTimeout once the grace window ended = %v; want ErrNotFound", err)
	}
	if v, err := a.Get(ctx, "revived"); err != nil || string(v) != "v" {
		t.Fatalf("Get of the revived key = %q, %v", v, err)
	}
}

// TestClockBeforeOpen: a fake clock set back before Open does not make values
// expire at once or never (expiry 0 means "never"): time before Open counts as
// Open's instant.
func TestClockBeforeOpen(t *testing.T) {
	clock := &testClock{now: fakeEpoch}
	a, err := memory.Open(t.Context(), &memory.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	clock.Advance(-time.Hour)
	if err := a.Set(t.Context(), "k", []byte("v"), time.Second); err != nil {
		t.Fatal(err)
	}
	if _, left, err := a.GetWithTTL(t.Context(), "k"); err != nil || left != time.Second {
		t.Fatalf("GetWithTTL = %v, %v; want 1s", left, err)
	}
	clock.Advance(time.Hour + time.Second)
	if _, err := a.Get(t.Context(), "k"); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("Get a second after Open's instant = %v; want ErrNotFound", err)
	}
}

// TestSweeperFollowsTheClock: the sweeper runs every second of real time but
// removes an entry only once the fake clock has passed its expiry. It runs in a
// synctest bubble, so that the sweeps come at exact instants.
func TestSweeperFollowsTheClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := &testClock{now: fakeEpoch}
		a, err := memory.Open(t.Context(), &memory.Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if err := a.Set(t.Context(), "k", []byte("v"), time.Second); err != nil {
			t.Fatal(err)
		}
		full := costAfter(a, 0)
		if got := costAfter(a, 3*sweepEvery); got != full {
			t.Fatalf("cost %d after three sweeps without fake time passing; want %d (nothing expired)", got, full)
		}
		clock.Advance(2 * time.Second) // entries go within two sweeps of their expiry
		if got := costAfter(a, 3*sweepEvery); got != 0 {
			t.Fatalf("cost %d after the fake clock passed the TTL by 1s and three sweeps; want 0", got)
		}
	})
}
