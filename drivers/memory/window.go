package memory

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/ristretto/v2"
)

// The admission window keeps the latest writes readable in a full cache.
//
// ristretto's TinyLFU admission compares a new key's estimated frequency with that of
// the entries it would evict, and declines the new key unless it is used at least as
// much. A write records no use of its key (see write), so once a cache was full of
// entries that had each been read once, every new key was declined: a write-then-read
// workload kept its first keys for ever and lost each new one, even just written.
//
// So, as in W-TinyLFU, a new key gets a window in which to prove itself. ristretto is
// given MaxCost less the window's share (1/windowShare). A new key that ristretto has
// no room for goes to the window, a FIFO of at most that share, instead of through
// ristretto's admission (so does one ristretto declines because concurrent writes took
// the room it had). When the window is full, its oldest entry leaves to make room: it
// is offered to ristretto's admission, now with the uses it got while it was readable,
// and kept if it is used at least as much as what ristretto would evict, else
// dropped. Entries that are read often thus stay in ristretto as before, while keys
// written once and never read only displace each other in the window.
//
// ristretto's estimates lag behind reads and lose some (it counts them in batches,
// dropped under load or lost to the garbage collector), so whether ristretto keeps a
// window entry is partly chance: the window is made large enough to keep the latest
// writes readable by itself.
//
// An entry larger than the window (or than ristretto's share) goes through ristretto's
// admission as before; for one larger than ristretto's share, ristretto may use the
// part of the window's share that the window does not hold (see widen), so an entry
// up to MaxCost can still be stored.
//
// Reads look in ristretto first, so a hit there costs what it did; a miss looks in the
// window, under its mutex. The read of a windowed key still goes through ristretto's
// Get first, which counts it. A key is in ristretto or in the window, not both,
// whenever its write lock is free: writes, removals and the sweeper take a key out of
// the window under its lock, and an entry moves to ristretto under its key's lock,
// first stored there, then taken out of the window (see missed).

// windowShare sets the admission window's part of MaxCost: a quarter. The latest
// writes of a full cache that the window alone keeps readable fill that part.
const windowShare = 4

// window is the admission window.
type window struct {
	total int64 // MaxCost
	max   int64 // the most the window holds, in cost
	base  int64 // ristretto's MaxCost: total - max (see also widen)
	rc    *ristretto.Cache[string, entry]

	n    atomic.Int64 // entries held, so that lookups return at once when there are none
	used atomic.Bool  // set once an entry has entered the window (see missed)

	mu    sync.Mutex
	held  map[string]*windowed
	order []*windowed // oldest first; entries that left have gone set
	bytes int64       // the cost of the entries held
	wide  int         // inserts in progress that let ristretto exceed base (see widen)
}

// windowed is one entry of the window. Its fields other than key, e and cost are
// guarded by window.mu.
type windowed struct {
	key    string
	e      entry
	cost   int64
	moving bool // a write is moving it out of the window (see promote)
	gone   bool // it has left the window
}

func newWindow(maxCost int64) *window {
	w := &window{total: maxCost, max: maxCost / windowShare}
	w.base = maxCost - w.max
	return w
}

// get returns the entry the window holds for key.
func (w *window) get(key string) (entry, bool) {
	if w.n.Load() == 0 {
		return entry{}, false
	}
	w.mu.Lock()
	we := w.held[key]
	w.mu.Unlock()
	if we == nil {
		return entry{}, false
	}
	return we.e, true
}

// cost returns the cost of the entries the window holds.
func (w *window) cost() int64 {
	if w.n.Load() == 0 {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bytes
}

// What addOrOldest did.
const (
	winAdded    = iota // it added the entry
	winMakeRoom        // the caller must move the entry it returned out, then try again
	winWait            // other writes are moving entries out: try again
	winNoRoom          // the entry cannot be added
)

// addOrOldest puts e, of cost c, in the window under key if it fits beside what the
// window holds, within the window's share and, with what ristretto holds, within
// MaxCost. If not, it returns the oldest entry that no other write is moving out,
// marked as moving, for the caller to move out. The caller holds key's write lock.
func (w *window) addOrOldest(key string, e entry, c int64) (oldest *windowed, did int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.wide > 0 {
		return nil, winNoRoom
	}
	for len(w.order) > 0 && w.order[0].gone {
		w.order[0] = nil
		w.order = w.order[1:]
	}
	// Entries taken out by writes stay in order until they reach its front: compact
	// when they are most of it, so that order stays within about twice the window.
	if len(w.order) > 2*len(w.held)+16 {
		w.order = slices.DeleteFunc(w.order, func(we *windowed) bool { return we.gone })
	}
	// ristretto holds at most base, except while and after widen let it hold more.
	if w.bytes+c > w.max || w.rc.MaxCost()-w.rc.RemainingCost()+w.bytes+c > w.total {
		moving := false
		for _, we := range w.order {
			switch {
			case we.gone:
			case we.moving:
				moving = true
			default:
				we.moving = true
				return we, winMakeRoom
			}
		}
		if moving {
			return nil, winWait
		}
		return nil, winNoRoom
	}
	if w.held == nil {
		w.held = make(map[string]*windowed)
	}
	if old := w.held[key]; old != nil { // not expected: writes take key out first
		w.unlink(old)
	}
	// The key held is the entry's own copy, so that the window never keeps a
	// caller's string (which may share memory with more) alive.
	we := &windowed{key: refKey(&e.buf[0]), e: e, cost: c}
	w.held[we.key] = we
	w.order = append(w.order, we)
	w.bytes += c
	w.n.Add(1)
	w.used.Store(true)
	return nil, winAdded
}

// widen lets ristretto hold up to MaxCost less what the window holds, for an entry
// that costs more than base, and stops the window from taking entries meanwhile. Each
// widen must be followed by a narrow.
func (w *window) widen() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.wide == 0 {
		w.rc.UpdateMaxCost(w.total - w.bytes)
	}
	w.wide++
}

// narrow ends a widen. ristretto may then hold more than base, until its admission
// evicts down to it (a new entry needs room under base to be admitted).
func (w *window) narrow() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.wide--; w.wide == 0 {
		w.rc.UpdateMaxCost(w.base)
	}
}

// take removes key from the window and returns what it held.
func (w *window) take(key string) (entry, bool) {
	if w.n.Load() == 0 {
		return entry{}, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	we := w.held[key]
	if we == nil {
		return entry{}, false
	}
	w.unlink(we)
	return we.e, true
}

// holds reports whether we is still in the window.
func (w *window) holds(we *windowed) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !we.gone
}

// leave removes we from the window if it is still there, and reports whether it was.
func (w *window) leave(we *windowed) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if we.gone {
		return false
	}
	w.unlink(we)
	return true
}

// unlink removes we, which the window holds. The caller holds w.mu. Its place in
// order is dropped later (see addOrOldest).
func (w *window) unlink(we *windowed) {
	delete(w.held, we.key)
	we.gone = true
	w.bytes -= we.cost
	w.n.Add(-1)
}

// clear empties the window.
func (w *window) clear() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, we := range w.held {
		we.gone = true
	}
	w.held, w.order, w.bytes = nil, nil, 0
	w.n.Store(0)
}
