package memory

import (
	"context"
	"runtime"
	"slices"

	"github.com/stratacache/strata/adapter"
)

// How entries enter and leave the admission window (see window.go).

// missed looks for key in the admission window after ristretto missed it. The caller
// is registered with the close gate.
func (st *state) missed(key string) (entry, bool) {
	if !st.win.used.Load() {
		return entry{}, false
	}
	if e, ok := st.win.get(key); ok {
		return e, true
	}
	// Between the two lookups, key may have moved from the window to ristretto
	// (promote stores it there before it takes it out of the window): look again.
	// GetTTL records no use, so that a miss still counts once.
	if _, ok := st.rc.GetTTL(key); ok {
		return st.rc.Get(key)
	}
	return entry{}, false
}

// admit puts e in the admission window under key, making room by moving the oldest
// entries out (see promote), and reports whether it did: not if e is larger than the
// window, nor while an entry larger than ristretto's share is being stored or
// ristretto holds more than its share (see widen). key is in neither ristretto nor
// the window. The caller holds key's
// write lock and the write locks of the stripes in locked (sorted).
func (a *Adapter) admit(key string, e entry, locked []int) bool {
	c := e.cost()
	if c > a.win.max {
		return false
	}
	own := a.stripeOf(key)
	// Indexed before it is readable, as stage does for ristretto (a decline made
	// the index forget e, if it was offered to ristretto first).
	a.index.add(e)
	for {
		switch we, did := a.win.addOrOldest(key, e, c); did {
		case winAdded:
			return true
		case winMakeRoom:
			a.promote(we, own, locked)
		case winWait:
			runtime.Gosched() // other writes are making room: let them
		default:
			a.index.forget(e)
			return false
		}
	}
}

// insertLarge stores e, which costs more than ristretto's share of MaxCost (base),
// under key through ristretto's admission, letting ristretto use what the window
// does not hold meanwhile (see widen). Like write, it counts a decline in
// Stats.Rejected. The caller holds key's write lock.
func (a *Adapter) insertLarge(ctx context.Context, key string, e entry) error {
	a.win.widen()
	defer a.win.narrow()
	a.index.add(e)
	for !a.rc.SetWithTTL(key, e, e.cost(), 0) {
		err := adapter.CheckContext(ctx)
		if a.gate.closed.Load() {
			err = errClosed
		}
		if err != nil {
			a.index.forget(e)
			return err
		}
		a.rc.Wait()
	}
	a.rc.Wait()
	if !a.present(key) {
		a.rejected.Add(1)
	}
	return nil
}

// promote moves we, an entry of the window that the caller marked as moving, out of
// the window: it offers it to ristretto, which keeps it if it is used at least as much
// as what it would evict. The caller holds the write locks of stripes own and locked.
// we's key is locked for the move, unless another goroutine holds that lock: then we
// is dropped instead (an eviction, which needs no lock).
func (a *Adapter) promote(we *windowed, own int, locked []int) {
	si := a.stripeOf(we.key)
	if _, mine := slices.BinarySearch(locked, si); !mine && si != own {
		if !a.stripes[si].TryLock() {
			if a.win.leave(we) {
				a.index.forget(we.e)
				a.evicts.dropped(a.state, we.e)
			}
			return
		}
		defer a.stripes[si].Unlock()
	}
	x := we.e.expiry()
	if (x == 0 || a.now() < satAdd(x, int64(a.grace))) && a.win.holds(we) {
		// Indexed once more, for ristretto: a decline makes the index forget it.
		a.index.add(we.e)
		if a.rc.SetWithTTL(we.key, we.e, we.cost, 0) {
			// Before the window lets go of it, and before another write of the key
			// can start (see write).
			a.rc.Wait()
		} else {
			a.index.forget(we.e) // ristretto's buffer is full: we is dropped
			a.evicts.dropped(a.state, we.e)
		}
	}
	if a.win.leave(we) {
		a.index.forget(we.e)
	}
}
