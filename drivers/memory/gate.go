package memory

import (
	"sync/atomic"
	"time"
	"unsafe"
)

// gate lets Close wait for the calls in flight before it closes ristretto.
//
// ristretto's Close is not safe while other goroutines use the cache: it closes the
// channels that Get (through its access buffer), Set, Del and Wait send on, so a call
// racing with Close could panic with "send on closed channel". A sync.RWMutex would
// fix that, but every Get would then write to one shared cache line, which does not
// scale with cores. Instead each call increments one of gateSlots counters, chosen by
// a hash of the address of a variable on the calling goroutine's stack: a goroutine
// keeps using the same counter, on its own cache line, so goroutines running on
// different cores rarely touch the same line. Close sets closed and then waits until
// every counter is zero: a call either saw closed and left, or Close sees its count
// (enter increments before it loads closed, Close stores closed before it loads the
// counts, and Go's atomics are sequentially consistent).
type gate struct {
	closed atomic.Bool
	_      [cacheLine - 4]byte // closed is read by every call: keep it off the counters' lines
	slots  [gateSlots]slot
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
	s := &g.slots[slotIndex()]
	s.n.Add(1)
	if g.closed.Load() {
		s.n.Add(-1)
		return nil
	}
	return s
}

// leave ends a call registered by enter.
func (g *gate) leave(s *slot) { s.n.Add(-1) }

// slotIndex hashes the address of a local variable: different goroutines have
// different stacks, so they get different slots with high probability, and a
// goroutine gets the same slot on every call from the same depth. The address is
// only used as a number (never converted back to a pointer), so it does not matter
// that a stack may move.
func slotIndex() uint64 {
	var anchor byte
	h := uint64(uintptr(unsafe.Pointer(&anchor))>>10) * 0x9E3779B97F4A7C15 // Fibonacci hashing
	return h >> (64 - gateBits)
}

// close closes the gate and waits until no call is in flight. It reports false if
// the gate was already closed (by this or another goroutine).
func (g *gate) close() bool {
	if g.closed.Swap(true) {
		return false
	}
	for i := range g.slots {
		// Calls are short (a Set waits at most for ristretto to apply its buffer),
		// so poll with a small, growing sleep rather than make calls signal.
		for d := time.Microsecond; g.slots[i].n.Load() != 0; d = min(2*d, time.Millisecond) {
			time.Sleep(d)
		}
	}
	return true
}
