package layered

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/internal/ctxtest"
)

func TestNewChecksItsArguments(t *testing.T) {
	m := newMem(t, nil)
	if _, err := New(nil, m, nil); err == nil {
		t.Error("nil L1 accepted")
	}
	if _, err := New(m, nil, nil); err == nil {
		t.Error("nil L2 accepted")
	}
	if _, err := New(m, m, nil); err == nil {
		t.Error("the same adapter as L1 and L2 accepted")
	}
	if _, err := New(plainL2{newMem(t, nil)}, m, nil); err == nil || !strings.Contains(err.Error(), "Clearer") {
		t.Errorf("an L1 without Clearer: %v", err)
	}
	if _, err := New(newMem(t, nil), m, &Options{L1TTL: -time.Second}); err == nil {
		t.Error("a negative L1TTL accepted")
	}
	a := newLayered(t, newMem(t, nil), m, nil)
	if a.L1TTL() != DefaultL1TTL || !a.Healthy() {
		t.Errorf("defaults: L1TTL %v, healthy %v", a.L1TTL(), a.Healthy())
	}
}

// It runs in a synctest bubble: time is fake, so the remaining TTLs are exact and a
// read takes no time.
func TestReadThroughBackfillsL1WithMinOfRemainingTTLAndL1TTL(t *testing.T) {
	synctest.Test(t, testReadThroughBackfillsL1WithMinOfRemainingTTLAndL1TTL)
}

func testReadThroughBackfillsL1WithMinOfRemainingTTLAndL1TTL(t *testing.T) {
	ctx := ctxT(t)
	l1, l2 := newMem(t, nil), newMem(t, nil)
	a := newLayered(t, l1, l2, &Options{L1TTL: 10 * time.Second})

	cases := []struct {
		key   string
		l2TTL time.Duration
		want  time.Duration // in L1, read 200ms after the write to L2
	}{
		{"short", 3 * time.Second, 2800 * time.Millisecond}, // remaining TTL < L1TTL
		{"long", time.Hour, 10 * time.Second},               // L1TTL < remaining TTL
		{"forever", adapter.NoExpiration, 10 * time.Second}, // no expiry in L2: L1TTL
	}
	for _, c := range cases {
		if err := l2.Set(ctx, c.key, []byte("v-"+c.key), c.l2TTL); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // the remaining TTL in L2 is now less than set
	for _, c := range cases {
		v, err := a.Get(ctx, c.key)
		if err != nil || string(v) != "v-"+c.key {
			t.Fatalf("Get(%s) = %q, %v", c.key, v, err)
		}
		_, got, err := l1.GetWithTTL(ctx, c.key)
		if err != nil {
			t.Fatalf("%s was not back-filled into L1: %v", c.key, err)
		}
		if got != c.want {
			t.Errorf("%s (%v in L2, 200ms ago): L1 keeps it %v; want min(remaining, L1TTL 10s) = %v", c.key, c.l2TTL, got, c.want)
		}
	}
	// An L1 hit does not touch L2: remove the key from L2 behind the adapter's back.
	if _, err := l2.Remove(ctx, "long"); err != nil {
		t.Fatal(err)
	}
	if v, err := a.Get(ctx, "long"); err != nil || string(v) != "v-long" {
		t.Errorf("L1 hit: %q, %v", v, err)
	}
}

func TestNoBackfillWithoutTTLReader(t *testing.T) {
	ctx := ctxT(t)
	l1, l2 := newMem(t, nil), newMem(t, nil)
	a := newLayered(t, l1, plainL2{l2}, &Options{L1TTL: time.Minute})
	if err := l2.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, err := a.Get(ctx, "k"); err != nil || string(v) != "v" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if _, ok := inL1(t, l1, "k"); ok {
		t.Error("L2 cannot tell the remaining TTL, yet a read back-filled L1")
	}
	// Writes know their TTL, so they do fill L1 (for the shorter of ttl and L1TTL).
	if err := a.Set(ctx, "w", []byte("w"), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	_, ttl, err := l1.GetWithTTL(ctx, "w")
	if err != nil || ttl > 2*time.Second || ttl < time.Second {
		t.Errorf("L1 after Set: ttl %v, %v", ttl, err)
	}
	if _, _, err := a.GetWithTTL(ctx, "k"); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("GetWithTTL without a TTLReader L2: %v", err)
	}
	if err := a.Clear(ctx, ""); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Clear without a Clearer L2: %v", err)
	}
	if err := a.Ping(ctx); err != nil {
		t.Errorf("Ping without a Pinger L2 (a Get instead): %v", err)
	}
}

func TestWriteThroughSetsL2ThenL1(t *testing.T) {
	ctx := ctxT(t)
	l1, l2 := newMem(t, nil), newMem(t, nil)
	a := newLayered(t, l1, l2, &Options{L1TTL: 30 * time.Second})
	if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	for name, l := range map[string]*memory.Adapter{"L1": l1, "L2": l2} {
		if v, ok := inL1(t, l, "k"); !ok || v != "v" {
			t.Errorf("%s after Set: %q %v", name, v, ok)
		}
	}
	_, ttl, _ := l1.GetWithTTL(ctx, "k")
	if ttl > 30*time.Second || ttl < 29*time.Second {
		t.Errorf("L1 keeps a 1h value %v; want L1TTL 30s", ttl)
	}
	if err := a.SetMany(ctx, map[string][]byte{"a": []byte("1"), "b": []byte("2")}, time.Second); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b"} {
		_, ttl, err := l1.GetWithTTL(ctx, k)
		if err != nil || ttl > time.Second {
			t.Errorf("L1 after SetMany: %s ttl %v, %v", k, ttl, err)
		}
	}
	if all, err := a.Remove(ctx, "a", "k", "nope"); err != nil || all {
		t.Errorf("Remove = %v, %v", all, err)
	}
	for _, k := range []string{"a", "k"} {
		if _, ok := inL1(t, l1, k); ok {
			t.Errorf("%s still in L1 after Remove", k)
		}
		if _, ok := inL1(t, l2, k); ok {
			t.Errorf("%s still in L2 after Remove", k)
		}
	}
}

// TestFailingL2NeverLeavesL1Newer checks write-through with an L2 that refuses
// writes: the error is returned and L1 keeps neither the new value nor the old one.
func TestFailingL2NeverLeavesL1Newer(t *testing.T) {
	synctest.Test(t, testFailingL2NeverLeavesL1Newer) // fake time: the supervisor's retries take none
}

func testFailingL2NeverLeavesL1Newer(t *testing.T) {
	ctx := ctxT(t)
	b := newBus(t)
	p := b.process(t, false, nil)
	if err := p.Set(ctx, "k", []byte("old"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, ok := inL1(t, p.mem, "k"); !ok || v != "old" {
		t.Fatalf("L1 = %q %v", v, ok)
	}
	p.bl2.failing.Store(true)
	for name, write := range map[string]func() error{
		"Set":     func() error { return p.Set(ctx, "k", []byte("new"), time.Hour) },
		"SetMany": func() error { return p.SetMany(ctx, map[string][]byte{"k": []byte("new")}, time.Hour) },
		"Remove":  func() error { _, err := p.Remove(ctx, "k"); return err },
		"UpdateTimeout": func() error {
			_, err := p.UpdateTimeout(ctx, "k", time.Hour)
			return err
		},
	} {
		p.bl2.failing.Store(false)
		if err := b.store.Set(ctx, "k", []byte("old"), time.Hour); err != nil {
			t.Fatal(err)
		}
		eventually(t, 5*time.Second, "recovery", p.Healthy)
		if _, err := p.Get(ctx, "k"); err != nil { // back into L1
			t.Fatal(err)
		}
		if _, ok := inL1(t, p.mem, "k"); !ok {
			t.Fatal("the read did not back-fill L1")
		}
		p.bl2.failing.Store(true)
		if err := write(); !errors.Is(err, errDown) {
			t.Errorf("%s with L2 down = %v, want L2's error", name, err)
		}
		if v, ok := inL1(t, p.mem, "k"); ok {
			t.Errorf("%s failed in L2 but L1 holds %q", name, v)
		}
		if v, _ := inL1(t, b.store, "k"); v != "old" {
			t.Errorf("%s: L2 changed to %q", name, v)
		}
	}
}

func TestServeStaleOnL2Error(t *testing.T) {
	for _, stale := range []bool{false, true} {
		t.Run(map[bool]string{false: "off", true: "on"}[stale], inBubble(func(t *testing.T) {
			ctx := ctxT(t)
			b := newBus(t)
			p := b.process(t, false, &Options{ServeStaleOnL2Error: stale})
			if err := p.Set(ctx, "k", []byte("cached"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if v, err := p.Get(ctx, "k"); err != nil || string(v) != "cached" {
				t.Fatalf("healthy L1 hit: %q, %v", v, err)
			}
			// L2 goes down and the adapter learns it (a failed call, or a reset).
			p.bl2.failing.Store(true)
			b.reset()
			if p.Healthy() {
				t.Fatal("still healthy after a reset with L2 down")
			}
			v, err := p.Get(ctx, "k")
			if stale {
				if err != nil || string(v) != "cached" {
					t.Errorf("stale on: Get = %q, %v; want L1's copy", v, err)
				}
				if m, err := p.GetMany(ctx, []string{"k"}); err != nil || string(m["k"]) != "cached" {
					t.Errorf("stale on: GetMany = %q, %v", m, err)
				}
				if _, ttl, err := p.GetWithTTL(ctx, "k"); err != nil || ttl <= 0 {
					t.Errorf("stale on: GetWithTTL = %v, %v", ttl, err)
				}
			} else if !errors.Is(err, errDown) {
				t.Errorf("stale off: Get = %q, %v; want L2's error", v, err)
			}
			// A hung L2 answers nothing before the caller's deadline: once L2 is known
			// to be failing, that counts as its error too.
			p.bl2.hang.Store(true)
			short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
			v, err = p.Get(short, "k")
			cancel()
			if stale {
				if err != nil || string(v) != "cached" {
					t.Errorf("stale on, L2 hung: Get = %q, %v; want L1's copy", v, err)
				}
			} else if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("stale off, L2 hung: Get = %q, %v; want the deadline", v, err)
			}
			// The same when L2 reports the deadline before ctx's timer has fired.
			late := ctxtest.TimerLate(ctx, time.Now().Add(30*time.Millisecond))
			if v, err = p.Get(late, "k"); stale && (err != nil || string(v) != "cached") {
				t.Errorf("stale on, L2 hung, ctx timer late: Get = %q, %v; want L1's copy", v, err)
			}
			p.bl2.hang.Store(false)
			if _, err := p.Get(ctx, "not-in-l1"); !errors.Is(err, errDown) {
				t.Errorf("a key L1 lacks: %v, want L2's error", err)
			}
			if _, err := p.GetMany(ctx, []string{"k", "not-in-l1"}); !errors.Is(err, errDown) {
				t.Errorf("GetMany with a key L1 lacks: %v, want L2's error", err)
			}
			if err := p.Set(ctx, "k", []byte("new"), time.Hour); !errors.Is(err, errDown) {
				t.Errorf("writes return L2's error: %v", err)
			}
			if _, err := p.Get(ctx, "k"); !errors.Is(err, errDown) {
				t.Errorf("after a failed write nothing may be served from L1: %v", err)
			}
			// L2 comes back: the supervisor's ping confirms it, L1 is emptied and
			// served again.
			p.bl2.failing.Store(false)
			eventually(t, 5*time.Second, "recovery after L2 came back", p.Healthy)
			if _, ok := inL1(t, p.mem, "k"); ok {
				t.Error("L1 kept an entry across the recovery")
			}
			if v, err := p.Get(ctx, "k"); err != nil || string(v) != "cached" {
				t.Errorf("after recovery: %q, %v", v, err)
			}
		}))
	}
}

func TestAFailedReadBypassesL1UntilL2Recovers(t *testing.T) {
	synctest.Test(t, testAFailedReadBypassesL1UntilL2Recovers) // fake time: the supervisor's retries take none
}

func testAFailedReadBypassesL1UntilL2Recovers(t *testing.T) {
	ctx := ctxT(t)
	b := newBus(t)
	p := b.process(t, false, nil)
	if err := p.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	p.bl2.failing.Store(true)
	// A miss goes to L2, which fails: from then on L2 is known to be failing.
	if _, err := p.Get(ctx, "other"); !errors.Is(err, errDown) {
		t.Fatalf("Get = %v", err)
	}
	if p.Healthy() || p.resets.Load() != 1 {
		t.Fatalf("healthy %v after an L2 failure (%d resets)", p.Healthy(), p.resets.Load())
	}
	if _, err := p.Get(ctx, "k"); !errors.Is(err, errDown) {
		t.Errorf("an L1 entry was served while L2 is failing: %v", err)
	}
	if err := p.Ping(ctx); !errors.Is(err, errDown) {
		t.Errorf("Ping = %v", err)
	}
	p.bl2.failing.Store(false)
	eventually(t, 5*time.Second, "recovery", p.Healthy)
	if v, err := p.Get(ctx, "k"); err != nil || string(v) != "v" {
		t.Errorf("after recovery: %q, %v", v, err)
	}
}

func TestMissesAndBadInputDoNotCountAsFailures(t *testing.T) {
	ctx := ctxT(t)
	b := newBus(t)
	p := b.process(t, false, nil)
	_, _ = p.Get(ctx, "missing")
	_, _ = p.UpdateTimeout(ctx, "missing", time.Second)
	_ = p.Set(ctx, "", nil, time.Second)
	_ = p.Set(ctx, "k", nil, adapter.DefaultTTL)
	dead, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = p.Get(dead, "k")
	if !p.Healthy() || p.resets.Load() != 0 {
		t.Errorf("healthy %v, %d resets", p.Healthy(), p.resets.Load())
	}
}

func TestInvalidationDropsOtherProcessesCopies(t *testing.T) {
	synctest.Test(t, testInvalidationDropsOtherProcessesCopies) // fake time, for the shortened TTL
}

func testInvalidationDropsOtherProcessesCopies(t *testing.T) {
	ctx := ctxT(t)
	b := newBus(t)
	writer, reader := b.process(t, false, nil), b.process(t, false, nil)
	if err := writer.Set(ctx, "k", []byte("v1"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, _ := reader.Get(ctx, "k"); string(v) != "v1" {
		t.Fatalf("reader Get = %q", v)
	}
	if _, ok := inL1(t, reader.mem, "k"); !ok {
		t.Fatal("reader did not cache k")
	}
	steps := []struct {
		name  string
		write func() error
		want  string // "" for a miss
	}{
		{"Set", func() error { return writer.Set(ctx, "k", []byte("v2"), time.Hour) }, "v2"},
		{"SetMany", func() error { return writer.SetMany(ctx, map[string][]byte{"k": []byte("v3")}, time.Hour) }, "v3"},
		{"UpdateTimeout", func() error { _, err := writer.UpdateTimeout(ctx, "k", 50*time.Millisecond); return err }, ""},
		{"Set again", func() error { return writer.Set(ctx, "k", []byte("v4"), time.Hour) }, "v4"},
		{"Remove", func() error { _, err := writer.Remove(ctx, "k"); return err }, ""},
	}
	for _, s := range steps {
		before := reader.invalidations.Load()
		if err := s.write(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if reader.invalidations.Load() != before+1 {
			t.Errorf("%s: the reader got %d invalidations", s.name, reader.invalidations.Load()-before)
		}
		if v, ok := inL1(t, reader.mem, "k"); ok {
			t.Errorf("%s: the reader's L1 still holds %q", s.name, v)
		}
		if s.name == "UpdateTimeout" {
			time.Sleep(50 * time.Millisecond) // the shortened TTL runs out
		}
		v, err := reader.Get(ctx, "k")
		switch {
		case s.want == "" && !errors.Is(err, adapter.ErrNotFound):
			t.Errorf("%s: reader Get = %q, %v; want a miss", s.name, v, err)
		case s.want != "" && string(v) != s.want:
			t.Errorf("%s: reader Get = %q, %v; want %q", s.name, v, err, s.want)
		}
	}
	if writer.invalidations.Load() != 0 {
		t.Errorf("the writer's own writes were echoed back to it %d times", writer.invalidations.Load())
	}
}

func TestClearEmptiesEveryProcessesL1(t *testing.T) {
	ctx := ctxT(t)
	b := newBus(t)
	p1, p2 := b.process(t, true, nil), b.process(t, true, nil)
	if err := p1.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := p2.Get(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if err := p1.Clear(ctx, ""); err != nil {
		t.Fatal(err)
	}
	for i, p := range []*process{p1, p2} {
		if _, ok := inL1(t, p.mem, "k"); ok {
			t.Errorf("process %d: L1 still holds k after Clear", i+1)
		}
		if _, err := p.Get(ctx, "k"); !errors.Is(err, adapter.ErrNotFound) {
			t.Errorf("process %d: Get after Clear = %v", i+1, err)
		}
	}
}

// TestBackfillRaceWithInvalidation is the race the stripe versions exist for: a read
// misses L1, fetches the old value from L2, and before it back-fills L1 another
// process overwrites the key and its invalidation is delivered. The back-fill must
// be discarded, or the old value would stay in L1 after the drop.
func TestBackfillRaceWithInvalidation(t *testing.T) {
	ctx := ctxT(t)
	b := newBus(t)
	writer, reader := b.process(t, false, nil), b.process(t, false, nil)
	if err := writer.Set(ctx, "k", []byte("old"), time.Hour); err != nil {
		t.Fatal(err)
	}
	hook := func(string) {
		reader.bl2.afterRead.Store(nil) // once
		// The reader has read "old" from L2; now the writer overwrites it and its
		// invalidation reaches the reader (synchronously, on the bus).
		if err := writer.Set(ctx, "k", []byte("new"), time.Hour); err != nil {
			t.Error(err)
		}
	}
	reader.bl2.afterRead.Store(&hook)
	before := reader.invalidations.Load()
	if v, err := reader.Get(ctx, "k"); err != nil || string(v) != "old" {
		t.Fatalf("the racing read = %q, %v (it read before the overwrite)", v, err)
	}
	if reader.invalidations.Load() != before+1 {
		t.Fatalf("the invalidation was not delivered during the read")
	}
	if v, ok := inL1(t, reader.mem, "k"); ok {
		t.Fatalf("the read back-filled %q after the invalidation", v)
	}
	if v, err := reader.Get(ctx, "k"); err != nil || string(v) != "new" {
		t.Errorf("next read = %q, %v", v, err)
	}

	// The same with a reset (the subscription lost) during the read.
	if _, err := reader.Remove(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if err := writer.Set(ctx, "k2", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	reset := func(string) {
		reader.bl2.afterRead.Store(nil)
		b.reset()
	}
	reader.bl2.afterRead.Store(&reset)
	if _, err := reader.Get(ctx, "k2"); err != nil {
		t.Fatal(err)
	}
	if v, ok := inL1(t, reader.mem, "k2"); ok {
		t.Errorf("the read back-filled %q across a reset", v)
	}
}

// TestOverlappingLocalWrites checks that two writes of one key in one process, whose
// L2 writes land in one order and whose L1 updates would land in the other, leave L1
// empty or equal to L2, never with the value L2 overwrote. (Its own writes are not
// echoed back to a process, so nothing else would fix L1.)
func TestOverlappingLocalWrites(t *testing.T) {
	for _, blockAfterStore := range []bool{false, true} {
		name := map[bool]string{false: "first write lands last", true: "first write lands first"}[blockAfterStore]
		t.Run(name, func(t *testing.T) {
			ctx := ctxT(t)
			b := newBus(t)
			p := b.process(t, false, nil)
			entered, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			hook := func(key string, value []byte) {
				if string(value) == "first" {
					once.Do(func() { close(entered) })
					<-release
				}
			}
			if blockAfterStore {
				p.bl2.afterSet.Store(&hook)
			} else {
				p.bl2.beforeSet.Store(&hook)
			}
			done := make(chan error)
			go func() { done <- p.Set(ctx, "k", []byte("first"), time.Hour) }()
			<-entered
			if err := p.Set(ctx, "k", []byte("second"), time.Hour); err != nil {
				t.Fatal(err)
			}
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			inL2, _ := inL1(t, b.store, "k")
			if v, ok := inL1(t, p.mem, "k"); ok && v != inL2 {
				t.Errorf("L1 holds %q but L2 %q", v, inL2)
			}
			if v, err := p.Get(ctx, "k"); err != nil || string(v) != inL2 {
				t.Errorf("Get = %q, %v; L2 holds %q", v, err, inL2)
			}
		})
	}
}

// It runs in a synctest bubble: the supervisor's probes, their waits and its backoff
// run on fake time, so seconds of failed probes take none.
func TestResetEmptiesL1AndBypassesItUntilConfirmed(t *testing.T) {
	synctest.Test(t, testResetEmptiesL1AndBypassesItUntilConfirmed)
}

func testResetEmptiesL1AndBypassesItUntilConfirmed(t *testing.T) {
	ctx := ctxT(t)
	b := newBus(t)
	// With probes (SubscribeAll): L1 is served again only once a probe came back
	// through the subscription; a successful Ping is not enough.
	p := b.process(t, true, nil)
	if err := p.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	b.deaf.Store(true) // the subscription is "down": messages are lost
	b.reset()
	if _, ok := inL1(t, p.mem, "k"); ok {
		t.Fatal("L1 not emptied by the reset")
	}
	time.Sleep(10 * probeWait) // several probes, each lost
	if p.Healthy() {
		t.Fatal("L1 served again although the subscription delivers nothing (L2 pings fine)")
	}
	if _, err := p.Get(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, ok := inL1(t, p.mem, "k"); ok {
		t.Error("a bypassing read back-filled L1")
	}
	b.deaf.Store(false)
	eventually(t, 5*time.Second, "recovery once probes come back", p.Healthy)
	if _, err := p.Get(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, ok := inL1(t, p.mem, "k"); !ok {
		t.Error("L1 not back-filled after the recovery")
	}
	if p.bl2.published.Load() < 3 { // New's probe, the Set, and recovery probes
		t.Errorf("%d publications: no probe was sent", p.bl2.published.Load())
	}
}

func TestPublishFailureIsReportedAndRepaired(t *testing.T) {
	synctest.Test(t, testPublishFailureIsReportedAndRepaired) // fake time: the supervisor's retries take none
}

func testPublishFailureIsReportedAndRepaired(t *testing.T) {
	ctx := ctxT(t)
	b := newBus(t)
	writer, reader := b.process(t, false, nil), b.process(t, false, nil)
	if err := writer.Set(ctx, "k", []byte("v1"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Get(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	writer.bl2.pubFails.Store(true)
	err := writer.Set(ctx, "k", []byte("v2"), time.Hour)
	if !errors.Is(err, ErrNotAnnounced) || !errors.Is(err, errDown) {
		t.Fatalf("Set with a failing Publish = %v", err)
	}
	if v, _ := inL1(t, b.store, "k"); v != "v2" {
		t.Errorf("L2 holds %q", v)
	}
	if v, _ := inL1(t, reader.mem, "k"); v != "v1" {
		t.Fatalf("the reader's L1 = %q before the repair", v)
	}
	writer.bl2.pubFails.Store(false)
	eventually(t, 5*time.Second, "the invalidation is re-published", func() bool {
		_, ok := inL1(t, reader.mem, "k")
		return !ok
	})
	if v, _ := reader.Get(ctx, "k"); string(v) != "v2" {
		t.Errorf("reader Get = %q", v)
	}
}

func TestGetManyUsesL1ThenOneL2Batch(t *testing.T) {
	ctx := ctxT(t)
	l1, l2 := newMem(t, nil), newMem(t, nil)
	counting := &countingL2{Adapter: l2}
	a := newLayered(t, l1, counting, nil)
	if err := a.Set(ctx, "a", []byte("1"), time.Hour); err != nil { // in both layers
		t.Fatal(err)
	}
	if err := l2.SetMany(ctx, map[string][]byte{"b": []byte("2"), "c": []byte("3")}, time.Hour); err != nil {
		t.Fatal(err)
	}
	got, err := a.GetMany(ctx, []string{"a", "b", "c", "d"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || string(got["a"]) != "1" || string(got["b"]) != "2" || string(got["c"]) != "3" {
		t.Errorf("GetMany = %q", got)
	}
	if len(counting.batches) != 1 || !slices.Equal(counting.batches[0], []string{"b", "c", "d"}) {
		t.Errorf("L2 batches: %q; want one with the keys L1 lacked", counting.batches)
	}
	if _, ok := inL1(t, l1, "b"); ok {
		t.Error("GetMany back-filled L1 without knowing the remaining TTLs")
	}

	// With a ManyTTLReader, GetMany back-fills.
	l1b, l2b := newMem(t, nil), newMem(t, nil)
	b := newLayered(t, l1b, &manyTTL{l2b}, &Options{L1TTL: time.Hour})
	if err := l2b.Set(ctx, "x", []byte("x"), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetMany(ctx, []string{"x", "y"}); err != nil {
		t.Fatal(err)
	}
	if _, ttl, err := l1b.GetWithTTL(ctx, "x"); err != nil || ttl > 5*time.Second {
		t.Errorf("L1 after GetMany with a ManyTTLReader: %v, %v", ttl, err)
	}
}

type countingL2 struct {
	*memory.Adapter
	batches [][]string
}

func (c *countingL2) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	c.batches = append(c.batches, slices.Clone(keys))
	return c.Adapter.GetMany(ctx, keys)
}

type manyTTL struct{ *memory.Adapter }

func (m *manyTTL) GetManyWithTTL(ctx context.Context, keys []string) (map[string][]byte, map[string]time.Duration, error) {
	vals, ttls := map[string][]byte{}, map[string]time.Duration{}
	for _, k := range keys {
		v, ttl, err := m.GetWithTTL(ctx, k)
		if errors.Is(err, adapter.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		vals[k], ttls[k] = v, ttl
	}
	return vals, ttls, nil
}

func TestUpdateTimeoutRevivesThroughBothLayers(t *testing.T) {
	synctest.Test(t, testUpdateTimeoutRevivesThroughBothLayers) // fake time, for the expiry
}

func testUpdateTimeoutRevivesThroughBothLayers(t *testing.T) {
	ctx := ctxT(t)
	l1, l2 := newMem(t, nil), newMem(t, &memory.Options{Grace: time.Minute})
	a := newLayered(t, l1, l2, nil)
	if err := a.Set(ctx, "k", []byte("v"), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := a.Get(ctx, "k"); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("Get once the 50ms TTL ended = %v; want a miss", err)
	}
	v, err := a.UpdateTimeout(ctx, "k", time.Hour)
	if err != nil || string(v) != "v" {
		t.Fatalf("UpdateTimeout within L2's grace = %q, %v", v, err)
	}
	if got, ok := inL1(t, l1, "k"); !ok || got != "v" {
		t.Errorf("L1 not refreshed with the revived value: %q %v", got, ok)
	}
}

func TestCloseClosesBothLayersAndStopsEverything(t *testing.T) {
	ctx := ctxT(t)
	b := newBus(t)
	l1 := newMem(t, nil)
	l2 := b.l2()
	a, err := New(l1, busL2All{l2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := l1.Get(ctx, "k"); !errors.Is(err, adapter.ErrClosed) {
		t.Errorf("L1 open after Close: %v", err)
	}
	if !l2.closed.Load() {
		t.Error("L2 open after Close")
	}
	if a.Healthy() {
		t.Error("a closed adapter reports healthy")
	}
	if _, err := a.Get(ctx, "k"); !errors.Is(err, adapter.ErrClosed) {
		t.Errorf("Get after Close: %v", err)
	}
}

// recorder logs the calls a write makes to each layer, in order.
type recorder struct {
	mu  sync.Mutex
	log []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.log = append(r.log, s)
	r.mu.Unlock()
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.log
	r.log = nil
	return l
}

type recL1 struct {
	*memory.Adapter
	r *recorder
}

func (l recL1) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	l.r.add("L1 Set")
	return l.Adapter.Set(ctx, key, value, ttl)
}

func (l recL1) Remove(ctx context.Context, keys ...string) (bool, error) {
	l.r.add("L1 Remove")
	return l.Adapter.Remove(ctx, keys...)
}

type recL2 struct {
	*busL2
	r *recorder
}

func (l recL2) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	l.r.add("L2 Set")
	return l.busL2.Set(ctx, key, value, ttl)
}

func (l recL2) Remove(ctx context.Context, keys ...string) (bool, error) {
	l.r.add("L2 Remove")
	return l.busL2.Remove(ctx, keys...)
}

func (l recL2) UpdateTimeout(ctx context.Context, key string, ttl time.Duration) ([]byte, error) {
	l.r.add("L2 UpdateTimeout")
	return l.busL2.UpdateTimeout(ctx, key, ttl)
}

// Publish logs publications that succeeded (the supervisor may retry failed
// ones in the background, at any time).
func (l recL2) Publish(ctx context.Context, keys ...string) error {
	err := l.busL2.Publish(ctx, keys...)
	if err == nil {
		l.r.add("Publish")
	}
	return err
}

func TestWriteThroughOrder(t *testing.T) {
	ctx := ctxT(t)
	b := newBus(t)
	r := &recorder{}
	bl2 := b.l2()
	a := newLayered(t, recL1{newMem(t, nil), r}, recL2{bl2, r}, nil)
	if got := r.take(); !slices.Equal(got, []string{"Publish"}) { // New's probe: may this adapter publish?
		t.Errorf("New: calls %q, want one probe publication", got)
	}
	steps := []struct {
		name  string
		write func() error
		want  []string
	}{
		{"Set", func() error { return a.Set(ctx, "k", []byte("v"), time.Hour) }, []string{"L2 Set", "L1 Set", "Publish"}},
		{"UpdateTimeout", func() error { _, err := a.UpdateTimeout(ctx, "k", time.Hour); return err }, []string{"L2 UpdateTimeout", "L1 Set", "Publish"}},
		{"Remove", func() error { _, err := a.Remove(ctx, "k"); return err }, []string{"L2 Remove", "L1 Remove", "Publish"}},
	}
	for _, s := range steps {
		if err := s.write(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := r.take(); !slices.Equal(got, s.want) {
			t.Errorf("%s: calls %q, want %q", s.name, got, s.want)
		}
	}
	// L2 refuses: its error is returned, L1 drops the key, nothing is published.
	bl2.failing.Store(true)
	if err := a.Set(ctx, "k", []byte("v2"), time.Hour); !errors.Is(err, errDown) {
		t.Fatalf("Set = %v", err)
	}
	if got, want := r.take(), []string{"L2 Set", "L1 Remove"}; !slices.Equal(got, want) {
		t.Errorf("failed Set: calls %q, want %q", got, want)
	}
}
