package memory

import (
	"sync/atomic"

	"github.com/stratacache/strata/internal/stackslot"
)

// gate refuses calls once the adapter is closed, and releases ristretto once no call
// is in flight any more.
//
// ristretto's Close is not safe while other goroutines use the cache: it closes the
// channels that Get (through its access buffer), Set, Del and Wait send on, so a call
// racing with Close could panic with "send on closed channel". A sync.RWMutex would
// fix that, but every Get would then write to one shared cache line, which does not
// scale with cores. Instead each call increments one of gateSlots counters, chosen by
// a hash of the address of a variable on the calling goroutine's stack: a goroutine
// keeps using the same counter, on its own cache line, so goroutines running on
// different cores rarely touch the same line.
//
// Close sets closed; release (stopping ristretto) runs once every counter is zero. A
// call either saw closed and left, or is counted (enter increments before it loads
// closed, close stores closed before it loads the counts, and Go's atomics are
// sequentially consistent), so release never runs while a call is in flight.
//
// release runs on a goroutine of its own, started by close when no call is in
// flight, else by the last call to leave (leave loads closed after its decrement, so
// it sees closed if close saw its count). close does not wait for it: waiting for
// other goroutines (the calls in flight, the sweeper, ristretto's) takes as long as
// their next turn on a CPU, which with hundreds of busy goroutines per core can be
// seconds.
//
// enter loads closed once more before it increments, and a call that sees it set
// leaves without touching a counter. Only the load after the increment matters for
// the argument above, but without the first one every refused call bumped a counter,
// and with enough goroutines calling, some counter was almost never zero: Close, which
// used to wait for zero, took seconds or never returned. Now only a call that passed
// the first load before Close can still bump a counter after it, once.
type gate struct {
	closed atomic.Bool
	_      [cacheLine - 4]byte // closed is read by every call: keep it off the counters' lines
	slots  [gateSlots]slot

	released atomic.Bool // release has been started
	release  func()      // stops what the gate guards; run once, after close
}

const (
	cacheLine = 64
	gateBits  = 6
	gateSlots = 1 << gateBits
)

// slot counts the calls in flight that chose it, alone on its cache line.
type slot struct {
	n atomic.Int64
	_ [cacheLine - 8]byte
}

// enter registers a call, or returns nil once the gate is closed. A non-nil slot must
// be given back with leave.
func (g *gate) enter() *slot {
	if g.closed.Load() {
		return nil // refused without touching a counter (see gate)
	}
	s := &g.slots[slotIndex()]
	s.n.Add(1)
	if g.closed.Load() {
		g.leave(s)
		return nil
	}
	return s
}

// leave ends a call registered by enter. After close, the last call to leave starts
// release.
func (g *gate) leave(s *slot) {
	s.n.Add(-1)
	if g.closed.Load() {
		g.lastOut()
	}
}

// lastOut starts release if no call is in flight and nobody has started it yet. It
// runs on a goroutine of its own so that the caller returns at once (release waits
// for ristretto's goroutines), and so that the sweeper, which release stops and waits
// for, can be the last call out.
func (g *gate) lastOut() {
	if g.idle() && g.released.CompareAndSwap(false, true) {
		go g.release()
	}
}

// idle reports whether no call is in flight. Once the gate is closed and idle, no
// call can use what it guards any more: a call that increments a counter after that
// loads closed next and leaves.
func (g *gate) idle() bool {
	for i := range g.slots {
		if g.slots[i].n.Load() != 0 {
			return false
		}
	}
	return true
}

// slotIndex returns the calling goroutine's slot (see internal/stackslot).
func slotIndex() uint64 {
	return stackslot.Hash() >> (64 - gateBits)
}

// close closes the gate: every later enter returns nil. It starts release if no call
// is in flight; otherwise the last call in flight to leave starts it (see lastOut).
// It reports false if the gate was already closed (by this or another goroutine).
func (g *gate) close() bool {
	if g.closed.Swap(true) {
		return false
	}
	g.lastOut()
	return true
}
