package layered

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
)

// TestClearPrefixDropsOnlyThatPrefixFromEveryL1: Clear(ctx, "a:") removes a:* from
// L2 and from every process's L1, and every other key stays in L2 and in each L1.
func TestClearPrefixDropsOnlyThatPrefixFromEveryL1(t *testing.T) {
	ctx := ctxT(t)
	b := newBus(t)
	p1, p2 := b.process(t, true, nil), b.process(t, true, nil)
	gone := []string{"a:", "a:1", "a:2"}
	kept := []string{"b:1", "b:a:1", "xa:1", "a"}
	all := append(slices.Clone(gone), kept...)
	for _, k := range all {
		if err := p1.Set(ctx, k, []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := p2.Get(ctx, k); err != nil { // back-fills p2's L1
			t.Fatal(err)
		}
	}
	for i, p := range []*process{p1, p2} {
		for _, k := range all {
			if _, ok := inL1(t, p.mem, k); !ok {
				t.Fatalf("process %d: %q not in L1 before Clear", i+1, k)
			}
		}
	}
	if err := p1.Clear(ctx, "a:"); err != nil {
		t.Fatal(err)
	}
	for i, p := range []*process{p1, p2} {
		for _, k := range gone {
			if _, ok := inL1(t, p.mem, k); ok {
				t.Errorf("process %d: L1 still holds %q after Clear(a:)", i+1, k)
			}
			if _, err := p.Get(ctx, k); !errors.Is(err, adapter.ErrNotFound) {
				t.Errorf("process %d: Get(%q) after Clear(a:) = %v", i+1, k, err)
			}
		}
		for _, k := range kept {
			if _, ok := inL1(t, p.mem, k); !ok {
				t.Errorf("process %d: Clear(a:) dropped %q from L1", i+1, k)
			}
		}
	}
	for _, k := range kept {
		if _, err := b.store.Get(ctx, k); err != nil {
			t.Errorf("Clear(a:) removed %q from L2: %v", k, err)
		}
	}
}

// TestClearMessagesOfEveryVersion: what each version publishes for a clear is read
// right by this one, and what this one publishes for a clear of a prefix empties the
// whole L1 of a process that does not know prefix clears (it honours clearAllKey).
func TestClearMessagesOfEveryVersion(t *testing.T) {
	ctx := context.Background()
	l1 := newMem(t, nil)
	a := newLayered(t, l1, newMem(t, nil), nil)
	fill := func() {
		t.Helper()
		for _, k := range []string{"a:1", "b:1"} {
			if err := l1.Set(ctx, k, []byte("v"), time.Hour); err != nil {
				t.Fatal(err)
			}
		}
	}
	held := func() (ks []string) {
		for _, k := range []string{"a:1", "b:1"} {
			if _, ok := inL1(t, l1, k); ok {
				ks = append(ks, k)
			}
		}
		return ks
	}

	msg := clearMessage("a:")
	if !slices.Equal(msg, []string{clearPrefixKey + "a:", clearAllKey}) {
		t.Fatalf("clearMessage(a:) = %q", msg)
	}
	fill()
	a.invalidate(msg)
	if got := held(); !slices.Equal(got, []string{"b:1"}) {
		t.Errorf("after a prefix clear of a:, L1 holds %q; want [b:1] (the clearAllKey after the prefix is for older versions)", got)
	}

	// An older version's Clear publishes clearAllKey alone: everything goes.
	if m := clearMessage(""); !slices.Equal(m, []string{clearAllKey}) {
		t.Errorf("clearMessage(\"\") = %q, want clearAllKey alone, as older versions publish", m)
	}
	fill()
	a.invalidate([]string{clearAllKey})
	if got := held(); len(got) != 0 {
		t.Errorf("after clearAllKey, L1 holds %q", got)
	}

	// clearAllKey elsewhere in a message (a repair after many failed publishes) still
	// empties L1, even beside a prefix clear.
	fill()
	a.invalidate([]string{clearAllKey, clearPrefixKey + "a:"})
	if got := held(); len(got) != 0 {
		t.Errorf("after clearAllKey then a prefix clear, L1 holds %q", got)
	}

	// A prefix clear that could not be published is re-published as clearAllKey.
	a.repairMu.Lock()
	a.addRepairLocked(msg)
	repairAll, queued := a.repairAll, len(a.repair)
	a.repairAll, a.repair = false, map[string]struct{}{}
	a.repairMu.Unlock()
	if !repairAll || queued != 0 {
		t.Errorf("queued prefix clear: repairAll %v, %d keys; want clearAllKey alone", repairAll, queued)
	}
}
