package memory

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/internal/fastpath"
)

// Compile-time checks of the capabilities the adapter offers.
var (
	_ adapter.Adapter   = (*Adapter)(nil)
	_ adapter.Batcher   = (*Adapter)(nil)
	_ adapter.Pinger    = (*Adapter)(nil)
	_ adapter.Clearer   = (*Adapter)(nil)
	_ adapter.TTLReader = (*Adapter)(nil)
	_ fastpath.Viewer   = (*Adapter)(nil)
)

// Adapter is an in-process adapter.Adapter on a ristretto cache bounded by cost in
// bytes. It also implements adapter.Batcher, adapter.Pinger, adapter.Clearer and
// adapter.TTLReader. It is safe for concurrent use; see the package documentation for
// its guarantees.
type Adapter struct {
	*state
	opts     Options // with defaults filled in
	rejected atomic.Uint64
	cleanup  runtime.Cleanup
}

// state is what the adapter shares with its sweeper (see expiry.go).
type state struct {
	rc      *ristretto.Cache[string, entry]
	gate    *gate
	stripes *[numStripes]stripe
	seed    maphash.Seed
	epoch   time.Time     // the zero of the adapter's monotonic clock (see now)
	clock   adapter.Clock // Options.Clock; nil: the monotonic clock
	grace   time.Duration
	index   *expiryIndex
	win     *window
	sweeper *sweeper
	evicts  *evictions // Report.Evictions (report.go)
}

// stripe is one write lock, alone on its cache line.
type stripe struct {
	sync.Mutex
	_ [56]byte
}

// entry is what the adapter stores in ristretto. Entries are never modified once
// stored (UpdateTimeout and a new memo store a new entry), so readers need no lock.
//
// It is kept to four words on purpose: ristretto v2's Get is markedly slower with
// a five-word value type (docs/memory.md has the figures), which is why the key's
// length and the expiry live in buf rather than in fields.
type entry struct {
	// buf is one allocation, owned by the cache: a header holding the key's length
	// minus one (2 bytes, little-endian; keys are 1 to 65536 bytes) and the expiry
	// (8 bytes, little-endian: nanoseconds on the adapter's clock, see now; 0 =
	// never), then the key, then the value. The key is kept so that two keys whose
	// 64-bit hashes collide (see KeyToHash in New) never see each other's values.
	buf []byte
	// memo is the value a typed cache decoded from buf (see fastpath.Memoizer), or
	// nil.
	memo *memo
}

// memo is a decoded value kept beside an entry's bytes.
type memo struct {
	tag  any   // what decoded it (fastpath.Memoizer)
	v    any   // shared by every reader: never modified
	cost int64 // what it is charged against MaxCost (memoCost)
}

// memoCost estimates what a value decoded from n bytes takes in memory: about as
// much as its encoding, plus its interface box and the memo.
func memoCost(n int) int64 { return int64(n) + 64 }

// headerLen is the size of the header at the start of entry.buf.
const headerLen = 10

// valueAt returns the offset of the value in e.buf.
func (e *entry) valueAt() int {
	return headerLen + int(binary.LittleEndian.Uint16(e.buf)) + 1
}

// is reports whether e was stored under key (not under a colliding key).
func (e *entry) is(key string) bool {
	n := len(key)
	return len(e.buf) >= headerLen+n && e.valueAt() == headerLen+n && string(e.buf[headerLen:headerLen+n]) == key
}

// expiry returns e's logical expiry on the adapter's clock; 0 means never.
func (e *entry) expiry() int64 { return int64(binary.LittleEndian.Uint64(e.buf[2:headerLen])) }

// setExpiry sets e's expiry. Only for an entry not stored yet.
func (e *entry) setExpiry(x int64) { binary.LittleEndian.PutUint64(e.buf[2:headerLen], uint64(x)) }

// expired reports whether e's logical expiry has passed at now.
func (e *entry) expired(now int64) bool {
	x := e.expiry()
	return x != 0 && now >= x
}

// expiredNow is expired(st.now()), reading the clock only when e has an expiry:
// on some VMs a clock read is a sizeable part of a hit's time (docs/memory.md).
// now is written out: it is too large to inline once it checks for Options.Clock.
func (e *entry) expiredNow(st *state) bool {
	x := e.expiry()
	if x == 0 {
		return false
	}
	if st.clock != nil {
		return st.clockNow() >= x
	}
	return int64(time.Since(st.epoch)) >= x
}

// value returns a copy of e's value (non-nil, even when empty).
func (e *entry) value() []byte {
	// make+copy compiles to one allocation without zeroing, unlike bytes.Clone
	// (an append through growslice).
	src := e.buf[e.valueAt():]
	v := make([]byte, len(src))
	copy(v, src)
	return v
}

// view returns e's value without copying, capacity capped at its length: an append
// by the borrower cannot write into buf's spare capacity, which others share.
func (e *entry) view() []byte { return e.buf[e.valueAt():len(e.buf):len(e.buf)] }

// cost is what e is charged against MaxCost.
func (e *entry) cost() int64 {
	c := int64(cap(e.buf)) + EntryOverhead
	if e.memo != nil {
		c += e.memo.cost
	}
	return c
}

// Open returns an Adapter configured by opts (nil: the defaults). It starts
// ristretto's goroutines; Close stops them (so does the garbage collector, should an
// unreachable Adapter never be closed). A cancelled ctx opens nothing.
func Open(ctx context.Context, opts *Options) (*Adapter, error) {
	if err := adapter.CheckContext(ctx); err != nil {
		return nil, err
	}
	o, err := opts.config()
	if err != nil {
		return nil, err
	}
	index := &expiryIndex{grace: o.Grace}
	win := newWindow(o.MaxCost)
	evicts := new(evictions)
	seed := maphash.MakeSeed()
	hashKey := testHashKey
	if hashKey == nil {
		hashKey = func(key string) uint64 { return maphash.String(seed, key) }
	}
	rc, err := ristretto.NewCache(&ristretto.Config[string, entry]{
		NumCounters: o.NumCounters,
		// MaxCost less the admission window's share (see window.go).
		MaxCost:     win.base,
		BufferItems: o.BufferItems,
		// Costs passed to Set already include EntryOverhead, which accounts for what
		// ristretto spends per entry. Without this flag ristretto would add its own
		// fixed estimate (the size of its store item, 56 bytes) on top: counted twice,
		// and the cost it admits would differ from the one Set checks against MaxCost.
		IgnoreInternalCost: true,
		// Every value leaving the cache (removed, replaced, evicted or declined)
		// leaves the expiry index too.
		OnExit: index.forget,
		// Entries dropped to stay within MaxCost are counted for Report (report.go).
		OnEvict:  evicts.onEvict,
		OnReject: func(it *ristretto.Item[entry]) { evicts.onReject(win, it) },
		// One 64-bit hash, and no conflict hash: ristretto's default computes two
		// (a second hash on every Get), but every read checks the key stored in the entry
		// anyway (entry.is), so two keys sharing a hash only evict each other.
		KeyToHash: func(key string) (uint64, uint64) { return hashKey(key), 0 },
	})
	if err != nil {
		return nil, fmt.Errorf("strata/memory: %w", err)
	}
	win.rc = rc
	st := &state{
		rc:      rc,
		stripes: new([numStripes]stripe),
		seed:    seed,
		epoch:   time.Now(),
		clock:   o.Clock,
		grace:   o.Grace,
		index:   index,
		win:     win,
		evicts:  evicts,
	}
	if st.clock != nil {
		st.epoch = st.clock.Now()
	}
	st.gate = &gate{release: st.release}
	st.sweeper = startSweeper(st)
	a := &Adapter{state: st, opts: o}
	// An Adapter dropped without Close would leave the sweeper and ristretto's
	// goroutines running forever. shutdown references only st, so it does not keep a
	// reachable; once a is unreachable no call can be in flight (leave keeps a alive
	// until the end of each call), so shutting down then is safe.
	a.cleanup = runtime.AddCleanup(a, func(st *state) { st.shutdown() }, st)
	return a, nil
}

// testHashKey, when set (by tests only, before New), replaces the key hash, so
// that tests can make keys collide.
var testHashKey func(key string) uint64

// shutdown closes the gate, which then runs release: at once if no call is in
// flight (the sweeper's included), else when the last one returns. It reports false
// if it had already run.
func (st *state) shutdown() bool { return st.gate.close() }

// release stops the sweeper and closes ristretto, freeing its memory. The gate runs
// it once, when it is closed and no call is in flight.
func (st *state) release() {
	st.sweeper.halt()
	st.evicts.quiet.Store(true) // Close empties ristretto: no evictions (report.go)
	st.rc.Close()
	st.index.clear()
	st.win.clear()
}

// Options returns the adapter's configuration, with defaults filled in.
func (a *Adapter) Options() Options { return a.opts }

// Ping reports whether the adapter is open.
func (a *Adapter) Ping(ctx context.Context) error {
	if err := adapter.CheckContext(ctx); err != nil {
		return err
	}
	if a.gate.closed.Load() {
		return errClosed
	}
	return nil
}

// clearAll removes every entry (Clear with no prefix). Writes of other goroutines
// wait until it is done. The caller has entered the gate.
func (a *Adapter) clearAll() {
	// ristretto's Clear must not run alongside writes (an in-place update could
	// leave an item in the store that its policy no longer accounts for), so hold
	// every write lock. Gets may go on.
	for i := range a.stripes {
		a.stripes[i].Lock()
	}
	a.evicts.quiet.Store(true) // what Clear drops is not evicted (report.go)
	a.rc.Clear()
	a.evicts.quiet.Store(false)
	a.index.clear()
	a.win.clear()
	for i := range a.stripes {
		a.stripes[i].Unlock()
	}
}

// Close makes every later call return an error wrapping adapter.ErrClosed, and
// returns at once, however many goroutines keep calling. Once the calls in flight
// have returned, ristretto's goroutines and the sweeper are stopped and the memory
// is freed, in the background. Closing twice is not an error.
func (a *Adapter) Close() error {
	if a.shutdown() {
		a.cleanup.Stop()
	}
	return nil
}

// Stats describes an adapter's use of its bound.
type Stats struct {
	// MaxCost is the configured bound, in bytes.
	MaxCost int64
	// Cost is what the entries held now are charged, in bytes (keys, values and
	// EntryOverhead each). It stays at or below MaxCost, except that it can exceed it
	// briefly while concurrent overwrites grow entries.
	Cost int64
	// Rejected counts the writes the cache did not keep when they returned:
	// entries too large for the admission window (a quarter of MaxCost) that
	// ristretto's admission policy declined, or evicted at once, because the cache
	// was full of more frequently used entries. A steady rise means MaxCost is too
	// small for such entries.
	Rejected uint64
}

// Stats returns the adapter's current cost and counters. After Close, Cost is 0.
func (a *Adapter) Stats() Stats {
	if a.gate.closed.Load() {
		// What is still held is being freed (see Close).
		return Stats{MaxCost: a.opts.MaxCost, Rejected: a.rejected.Load()}
	}
	// ristretto's cost accessors only take its policy's lock: safe at any time,
	// even during or after Close (which zeroes the cost).
	return Stats{
		MaxCost:  a.opts.MaxCost,
		Cost:     a.rc.MaxCost() - a.rc.RemainingCost() + a.win.cost(),
		Rejected: a.rejected.Load(),
	}
}
