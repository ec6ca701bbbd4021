package memory

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"runtime"
	"slices"
	"time"

	"github.com/stratacache/strata/adapter"
)

// now is the adapter's clock: monotonic nanoseconds since New. time.Since on a time
// with a monotonic reading costs one clock read, about half of time.Now, and wall
// clock jumps do not move expiries. With Options.Clock it is that clock's time since
// New instead (never negative: expiry 0 means "never").
func (st *state) now() int64 {
	if st.clock != nil {
		return st.clockNow()
	}
	return int64(time.Since(st.epoch))
}

// clockNow is now on Options.Clock, kept out of now so that now stays small enough
// to inline.
func (st *state) clockNow() int64 { return max(int64(st.clock.Now().Sub(st.epoch)), 0) }

// enter registers a call with the close gate; nil means the adapter is closed.
func (a *Adapter) enter() *slot { return a.gate.enter() }

// begin starts a call: it checks ctx and registers the call with the close gate.
// On success the caller must leave(s).
func (a *Adapter) begin(ctx context.Context) (*slot, error) {
	if ctx.Err() != nil {
		return nil, adapter.CheckContext(ctx)
	}
	s := a.enter()
	if s == nil {
		return nil, errClosed
	}
	return s, nil
}

// leave ends a call. It keeps a reachable until the call is done with ristretto (see
// the cleanup in New).
func (a *Adapter) leave(s *slot) {
	a.gate.leave(s)
	runtime.KeepAlive(a)
}

// lock takes and returns key's write lock. Set, SetMany, Remove and UpdateTimeout hold
// it for the key, which makes each of them atomic for that key; Get never takes it.
func (st *state) lock(key string) *stripe {
	s := &st.stripes[st.stripeOf(key)]
	s.Lock()
	return s
}

// stripeOf returns the index of key's write lock.
func (st *state) stripeOf(key string) int {
	return int(maphash.String(st.seed, key) % numStripes)
}

// ceilMS rounds a positive ttl up to whole milliseconds (saturating).
func ceilMS(ttl time.Duration) time.Duration {
	r := ttl % time.Millisecond
	if r == 0 {
		return ttl
	}
	if ttl > math.MaxInt64-time.Millisecond {
		return math.MaxInt64 - math.MaxInt64%time.Millisecond
	}
	return ttl + time.Millisecond - r
}

// satAdd returns x+y for y >= 0, saturating at math.MaxInt64.
func satAdd[T ~int64](x, y T) T {
	if x > math.MaxInt64-y {
		return math.MaxInt64
	}
	return x + y
}

// expiryAt returns the logical expiry of a value stored at now with ttl (> 0, rounded
// up to whole milliseconds, or NoExpiration for none: 0).
func (a *Adapter) expiryAt(now int64, ttl time.Duration) int64 {
	if ttl == adapter.NoExpiration {
		return 0
	}
	return satAdd(now, int64(ceilMS(ttl)))
}

// maxKeyLen is the longest key an entry can hold: its header holds the key's length
// minus one in 2 bytes. Keys of 1 to maxKeyLen bytes can be stored; a read of any
// other key misses (entry.is never matches it) and a write fails (newEntry).
const maxKeyLen = 1 << 16

// Every key a strata.Cache passes must fit (a compile error otherwise).
var _ [maxKeyLen - adapter.MaxKeyLen]struct{}

// newEntry copies key and value into a new entry, or returns an error wrapping
// ErrTooLarge if it could never fit in MaxCost, or adapter.ErrInvalidKey for a key
// the header cannot describe (which a strata.Cache never passes).
func (a *Adapter) newEntry(key string, value []byte) (entry, error) {
	if len(key) == 0 || len(key) > maxKeyLen {
		return entry{}, &adapter.KeyError{Key: key, Err: fmt.Errorf(
			"%w: strata/memory stores keys of 1 to %d bytes, not %d", adapter.ErrInvalidKey, maxKeyLen, len(key))}
	}
	n := headerLen + len(key) + len(value)
	if int64(n)+EntryOverhead > a.opts.MaxCost {
		return entry{}, a.tooLarge(key, len(value), int64(n)+EntryOverhead)
	}
	// slices.Grow allocates a whole size class, so cap(buf) is the memory used.
	buf := slices.Grow([]byte(nil), n)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(key)-1)) // 1 <= len(key) <= maxKeyLen
	buf = binary.LittleEndian.AppendUint64(buf, 0)                  // expiry: see setExpiry
	buf = append(append(buf, key...), value...)
	e := entry{buf: buf}
	if cost := e.cost(); cost > a.opts.MaxCost {
		return entry{}, a.tooLarge(key, len(value), cost)
	}
	return e, nil
}

func (a *Adapter) tooLarge(key string, valueLen int, cost int64) error {
	return &adapter.KeyError{Key: key, Err: fmt.Errorf(
		"%w: a %d-byte value costs %d bytes (with its key and %d bytes of overhead), more than MaxCost %d: raise max_cost or store smaller values",
		ErrTooLarge, valueLen, cost, EntryOverhead, a.opts.MaxCost)}
}
