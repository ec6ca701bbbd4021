package memory

import (
	"sync/atomic"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/stratacache/strata/adapter"
)

var _ adapter.Reporter = (*Adapter)(nil)

// Report returns the adapter's own counters (see adapter.Reporter), for
// strata.Cache's metrics and Stats: Driver "memory"; MemoryCost, MemoryMaxCost and
// Rejected, as Stats reports them; and Evictions, the entries dropped to make room
// within MaxCost: those ristretto's policy evicted, and those the admission window
// let go that ristretto did not take (see window.go). Entries removed because they
// expired, removed by Remove or Clear, or replaced by a write are not evictions;
// a write the cache did not keep is counted in Rejected instead.
//
// Nothing is counted on the read path: evictions are counted where entries leave,
// on ristretto's goroutine or a write that makes room. Report is safe to call at
// any time, during and after Close included (MemoryCost is then 0).
func (a *Adapter) Report() adapter.Report {
	s := a.Stats()
	return adapter.Report{
		Driver:        "memory",
		MemoryCost:    s.Cost,
		MemoryMaxCost: s.MaxCost,
		Evictions:     a.evicts.n.Load(),
		Rejected:      s.Rejected,
	}
}

// evictions counts the entries dropped to stay within MaxCost (Report.Evictions).
type evictions struct {
	n atomic.Uint64
	// quiet is set while ristretto is emptied whole (Clear, Close), which reports
	// every entry it drops to OnEvict: those are not evictions. Clear holds every
	// write lock meanwhile, so no write is queued in ristretto that could evict.
	quiet atomic.Bool
}

// onEvict is ristretto's OnEvict: its policy dropped an entry to admit another
// (or Clear dropped it, see quiet). A victim ristretto's store no longer held
// (a zero entry) was not dropped by this eviction.
func (ev *evictions) onEvict(it *ristretto.Item[entry]) {
	if len(it.Value.buf) != 0 && !ev.quiet.Load() {
		ev.n.Add(1)
	}
}

// onReject is ristretto's OnReject: its admission declined an entry. That is an
// eviction when the entry is one the admission window is letting go to make room
// (see promote): it leaves the cache. Any other declined entry is a write, which
// goes to the window or is counted in Rejected (see settle).
func (ev *evictions) onReject(w *window, it *ristretto.Item[entry]) {
	if w.moving(it.Value) {
		ev.n.Add(1)
	}
}

// dropped counts e, which the admission window let go to make room without
// offering it to ristretto, unless its grace window has ended at now (an expired
// entry, which the sweeper would have removed).
func (ev *evictions) dropped(st *state, e entry) {
	x := e.expiry()
	if x == 0 || st.now() < satAdd(x, int64(st.grace)) {
		ev.n.Add(1)
	}
}

// moving reports whether e is the very entry (the same buffer) that the window
// holds under its key and that a write is moving out (see promote). promote holds
// the key's write lock from before it offers e to ristretto until after e has left
// the window, so while ristretto decides on e, e is still there, marked moving.
func (w *window) moving(e entry) bool {
	if len(e.buf) == 0 || w.n.Load() == 0 {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	we := w.held[refKey(&e.buf[0])]
	return we != nil && we.moving && &we.e.buf[0] == &e.buf[0]
}
