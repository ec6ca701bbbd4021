package memory

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/stratacache/strata/adapter"
)

// Compile-time checks of the capabilities the adapter offers.
var (
	_ adapter.Adapter   = (*Adapter)(nil)
	_ adapter.Batcher   = (*Adapter)(nil)
	_ adapter.Pinger    = (*Adapter)(nil)
	_ adapter.Clearer   = (*Adapter)(nil)
	_ adapter.TTLReader = (*Adapter)(nil)
)

const (
	// DefaultMaxCost is the bound of an adapter whose Options leave MaxCost at zero:
	// 64 MiB.
	DefaultMaxCost int64 = 64 << 20
	// MinMaxCost is the smallest MaxCost New accepts (1 KiB). A smaller bound is almost
	// certainly a unit mistake, such as max_cost=64 meant as 64 MiB.
	MinMaxCost int64 = 1 << 10
	// DefaultBufferItems is ristretto's recommended BufferItems.
	DefaultBufferItems int64 = 64
	// EntryOverhead is the fixed cost, in bytes, charged to every entry on top of its
	// key and value: the memory ristretto and this adapter spend per entry (the
	// store's map slot with the entry header, and the eviction policy's and expiry
	// index's map entries). Measured on linux/amd64 with Go 1.26 and 100,000 to
	// 1,000,000 entries, it is 150 to 240 bytes without a TTL and 175 to 270 with
	// one, depending on how full Go's maps are between growths; 200 is the typical
	// value. TestEntryOverhead prints the measurement.
	EntryOverhead int64 = 200

	minNumCounters = 1 << 10
	maxNumCounters = 1 << 31 // ~6 GiB of counters: anything above is a mistake
	// defaultMaxNumCounters caps the derived default (~100 MiB of counters).
	defaultMaxNumCounters = 1 << 25
	maxBufferItems        = 1 << 16

	numStripes = 256 // write locks, chosen by a hash of the key
)

// ErrTooLarge is returned (wrapped, with the key) by Set and SetMany for an entry whose
// cost (key, value and EntryOverhead) exceeds MaxCost: it could never be stored.
var ErrTooLarge = errors.New("strata/memory: value too large for the cache")

// errClosed is what every call returns after Close.
var errClosed = fmt.Errorf("%w (strata/memory)", adapter.ErrClosed)

// Options configures an Adapter. The zero value (or a nil *Options) gives the
// defaults.
type Options struct {
	// MaxCost bounds the cache, in bytes. Each entry costs its key's and value's
	// length (rounded up to the Go allocator's size class) plus EntryOverhead; when
	// a new entry would exceed MaxCost, ristretto evicts less used entries, or does
	// not admit the new one. 0 means DefaultMaxCost (64 MiB); at least MinMaxCost
	// (1 KiB). The access-frequency counters (see NumCounters) come on top.
	MaxCost int64

	// Grace is how long a value is kept after it expires, so that UpdateTimeout can
	// revive it. Get never returns an expired value, whatever Grace is. 0 (the
	// default) keeps nothing past expiry: no revival, no extra memory. Expired
	// entries in their grace window count toward MaxCost.
	Grace time.Duration

	// NumCounters is the number of access-frequency counters ristretto's TinyLFU
	// admission policy keeps. ristretto recommends about 10 times the number of
	// entries the cache holds when full. Each counter takes about 3 bytes, which are
	// not counted in MaxCost. 0 means MaxCost/100 (right for entries of about 1 KiB),
	// at least 1024 and at most 2^25; raise it for caches of many small entries.
	NumCounters int64

	// BufferItems is the size of ristretto's per-P buffers of Get accesses, which
	// feed the admission policy in batches. 0 means DefaultBufferItems (64), which
	// ristretto recommends; at most 65536.
	BufferItems int64
}

// config returns opts with defaults filled in, or an error naming the bad field.
func (opts *Options) config() (Options, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	switch {
	case o.MaxCost < 0:
		return o, fmt.Errorf("strata/memory: MaxCost %d is negative: want a size in bytes, or 0 for 64 MiB", o.MaxCost)
	case o.MaxCost == 0:
		o.MaxCost = DefaultMaxCost
	case o.MaxCost < MinMaxCost:
		return o, fmt.Errorf("strata/memory: MaxCost %d is less than 1 KiB: it is in bytes (e.g. 64MiB is 67108864)", o.MaxCost)
	}
	if o.Grace < 0 {
		return o, fmt.Errorf("strata/memory: Grace %v is negative: want 0 (no revival) or a positive duration", o.Grace)
	}
	switch {
	case o.NumCounters < 0:
		return o, fmt.Errorf("strata/memory: NumCounters %d is negative: want 0 (derived from MaxCost) or a positive count", o.NumCounters)
	case o.NumCounters > maxNumCounters:
		return o, fmt.Errorf("strata/memory: NumCounters %d is more than %d (about 3 bytes each)", o.NumCounters, int64(maxNumCounters))
	case o.NumCounters == 0:
		o.NumCounters = min(max(o.MaxCost/100, minNumCounters), defaultMaxNumCounters)
	}
	switch {
	case o.BufferItems < 0:
		return o, fmt.Errorf("strata/memory: BufferItems %d is negative: want 0 (64) or a positive count", o.BufferItems)
	case o.BufferItems > maxBufferItems:
		return o, fmt.Errorf("strata/memory: BufferItems %d is more than %d", o.BufferItems, maxBufferItems)
	case o.BufferItems == 0:
		o.BufferItems = DefaultBufferItems
	}
	return o, nil
}

// Adapter is an in-process adapter.Adapter on a ristretto cache bounded by cost in
// bytes. It also implements adapter.Batcher, adapter.Pinger, adapter.Clearer and
// adapter.TTLReader. It is safe for concurrent use; see the package documentation for
// its guarantees.
type Adapter struct {
	rc      *ristretto.Cache[string, entry]
	gate    *gate
	stripes *[numStripes]stripe
	seed    maphash.Seed
	epoch   time.Time // the zero of the adapter's monotonic clock (see now)
	grace   time.Duration
	opts    Options // with defaults filled in

	rejected atomic.Uint64
	cleanup  runtime.Cleanup
}

// stripe is one write lock, alone on its cache line.
type stripe struct {
	sync.Mutex
	_ [56]byte
}

// entry is what the adapter stores in ristretto. Entries are never modified once
// stored (UpdateTimeout stores a new entry sharing buf), so readers need no lock.
//
// It is kept to four words on purpose: ristretto v2's Get was measured about 60ns
// slower with a five-word value type (40 bytes) than with four or fewer, which is
// why the key's length lives in buf rather than in a field.
type entry struct {
	// buf is one allocation, owned by the cache: a 2-byte header holding the key's
	// length minus one (little-endian; keys are 1 to 65536 bytes), the key, then the
	// value. The key is kept so that two keys whose 128-bit ristretto hashes collide
	// never see each other's values.
	buf    []byte
	expiry int64 // logical expiry on the adapter's clock (see now); 0 = never
}

// headerLen is the size of the key-length header at the start of entry.buf.
const headerLen = 2

// valueAt returns the offset of the value in e.buf.
func (e *entry) valueAt() int {
	return headerLen + int(binary.LittleEndian.Uint16(e.buf)) + 1
}

// is reports whether e was stored under key (not under a colliding key).
func (e *entry) is(key string) bool {
	n := len(key)
	return len(e.buf) >= headerLen+n && e.valueAt() == headerLen+n && string(e.buf[headerLen:headerLen+n]) == key
}

// expired reports whether e's logical expiry has passed at now.
func (e *entry) expired(now int64) bool { return e.expiry != 0 && now >= e.expiry }

// value returns a copy of e's value (non-nil, even when empty).
func (e *entry) value() []byte { return bytes.Clone(e.buf[e.valueAt():]) }

// cost is what e is charged against MaxCost.
func (e *entry) cost() int64 { return int64(cap(e.buf)) + EntryOverhead }

// New returns an Adapter configured by opts (nil: the defaults). It starts
// ristretto's goroutines; Close stops them (so does the garbage collector, should an
// unreachable Adapter never be closed).
func New(opts *Options) (*Adapter, error) {
	o, err := opts.config()
	if err != nil {
		return nil, err
	}
	rc, err := ristretto.NewCache(&ristretto.Config[string, entry]{
		NumCounters: o.NumCounters,
		MaxCost:     o.MaxCost,
		BufferItems: o.BufferItems,
		// Costs passed to Set already include EntryOverhead, which accounts for what
		// ristretto spends per entry. Without this flag ristretto would add its own
		// fixed estimate (the size of its store item, 56 bytes) on top: counted twice,
		// and the cost it admits would differ from the one Set checks against MaxCost.
		IgnoreInternalCost: true,
	})
	if err != nil {
		return nil, fmt.Errorf("strata/memory: %w", err)
	}
	a := &Adapter{
		rc:      rc,
		gate:    &gate{},
		stripes: new([numStripes]stripe),
		seed:    maphash.MakeSeed(),
		epoch:   time.Now(),
		grace:   o.Grace,
		opts:    o,
	}
	// An Adapter dropped without Close would leave ristretto's goroutines running
	// forever. closeRistretto references only rc, so it does not keep a reachable;
	// once a is unreachable no call can be in flight (leave keeps a alive until the
	// end of each call), so closing rc then is safe.
	a.cleanup = runtime.AddCleanup(a, closeRistretto, rc)
	return a, nil
}

func closeRistretto(rc *ristretto.Cache[string, entry]) { rc.Close() }

// Options returns the adapter's configuration, with defaults filled in.
func (a *Adapter) Options() Options { return a.opts }

// now is the adapter's clock: monotonic nanoseconds since New. time.Since on a time
// with a monotonic reading costs one clock read, about half of time.Now, and wall
// clock jumps do not move expiries.
func (a *Adapter) now() int64 { return int64(time.Since(a.epoch)) }

// enter registers a call with the close gate; nil means the adapter is closed.
func (a *Adapter) enter() *slot { return a.gate.enter() }

// leave ends a call. It keeps a reachable until the call is done with ristretto (see
// the cleanup in New).
func (a *Adapter) leave(s *slot) {
	a.gate.leave(s)
	runtime.KeepAlive(a)
}

// lock takes and returns key's write lock. Set, SetMany, Remove and UpdateTimeout hold
// it for the key, which makes each of them atomic for that key; Get never takes it.
func (a *Adapter) lock(key string) *stripe {
	s := &a.stripes[a.stripeOf(key)]
	s.Lock()
	return s
}

// stripeOf returns the index of key's write lock.
func (a *Adapter) stripeOf(key string) int {
	return int(maphash.String(a.seed, key) % numStripes)
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

// keepFor returns the TTL to give ristretto for e, now: until e's logical expiry plus
// Grace, or 0 (for ever) if e does not expire. It is computed right before each
// SetWithTTL, so that ristretto's expiry matches the logical one to within a
// microsecond however long the write took: with Grace 0, Get relies on ristretto's
// expiry check alone. ristretto reads 0 as "for ever" and a negative TTL as "drop the
// write", so an entry that expired during the write gets 1ns.
func (a *Adapter) keepFor(e *entry) time.Duration {
	if e.expiry == 0 {
		return 0
	}
	return max(satAdd(time.Duration(e.expiry-a.now()), a.grace), time.Nanosecond)
}

// newEntry copies key and value into a new entry, or returns an error wrapping
// ErrTooLarge if it could never fit in MaxCost.
func (a *Adapter) newEntry(key string, value []byte) (entry, error) {
	n := headerLen + len(key) + len(value)
	if int64(n)+EntryOverhead > a.opts.MaxCost {
		return entry{}, a.tooLarge(key, len(value), int64(n)+EntryOverhead)
	}
	// slices.Grow allocates a whole size class, so cap(buf) is the memory used.
	buf := slices.Grow([]byte(nil), n)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(key)-1)) // CheckKey: 1 <= len(key) <= 65536
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

// write stores e under key (see keepFor for how long ristretto keeps it). old is
// the entry held under key when the caller has just read it, or nil to look it up.
// The caller holds key's write lock, which is what makes the sequence below safe: no
// other write to key can interleave, and no insert of key is left in ristretto's
// buffer when the lock is released (so a later Del is never overtaken by it).
//
// How read-your-writes is obtained from ristretto v2, which applies writes through a
// buffer drained by one goroutine:
//   - A key ristretto holds is updated in place, synchronously: SetWithTTL replaces
//     the stored item before it returns, and only the cost bookkeeping is buffered.
//     This path is taken only when the new entry costs no more than the old one, or
//     the cache has room for the difference: ristretto never evicts for an update,
//     so growing entries in a full cache would break the MaxCost bound. After a
//     growing update, Wait, so that the next write's RemainingCost includes it.
//   - Anything else is an insert: Del first (which also drops an expired entry
//     ristretto has not cleaned up yet, and orders the insert after the delete in the
//     buffer), then SetWithTTL, which only queues the item, then Wait, which returns
//     once the buffer has been applied up to it. The insert goes through the TinyLFU
//     admission policy, which evicts to make room or, when the cache is full of more
//     frequently used entries, declines the new one.
//   - SetWithTTL returns false when the buffer is full and the insert was dropped:
//     Wait for the buffer to drain, then retry.
//   - Finally the key is looked up. It is missing only if the policy declined the
//     entry or evicted it at once; that is counted in Stats.Rejected.
//
// SetMany runs the first part (stage) for every item under all their locks, then
// waits once for all its inserts.
//
// Presence is checked with GetTTL, which unlike Get records no access: a write of a
// new key must not raise its estimated frequency, or every key written once would
// look more valuable to TinyLFU than the next new key, and a cache filled by writes
// would decline most later writes. Only an overwrite reads the held entry with Get
// (for its cost), which counts as a use of that key.
func (a *Adapter) write(ctx context.Context, key string, e entry, old *entry) error {
	visible, err := a.stage(ctx, key, e, old)
	if err != nil || visible {
		return err
	}
	a.rc.Wait()
	a.settle(key)
	return nil
}

// stage is the first part of write: everything up to the Wait. It reports whether e
// is already visible (an in-place update); if not, e was queued as an insert and the
// caller must Wait and then settle, still holding key's write lock.
func (a *Adapter) stage(ctx context.Context, key string, e entry, old *entry) (visible bool, err error) {
	cost := e.cost()
	if old == nil {
		if _, present := a.rc.GetTTL(key); present {
			if held, ok := a.rc.Get(key); ok {
				old = &held
			}
		}
	}
	inPlace, grows := false, false
	if old != nil {
		d := cost - old.cost()
		inPlace = d <= 0 || a.rc.RemainingCost() >= d
		grows = d > 0
	}
	if !inPlace {
		a.rc.Del(key)
	}
	for !a.rc.SetWithTTL(key, e, cost, a.keepFor(&e)) {
		if a.gate.closed.Load() {
			return false, errClosed
		}
		if err := adapter.CheckContext(ctx); err != nil {
			return false, err
		}
		a.rc.Wait()
	}
	// An in-place update is visible at once, unless ristretto evicted the old entry
	// since we looked, which turned the update into a queued insert. Nothing else
	// writes key meanwhile, so if ristretto holds key, it holds e.
	if inPlace && a.present(key) {
		if grows {
			a.rc.Wait()
		}
		return true, nil
	}
	return false, nil
}

// settle checks, after a Wait, whether ristretto kept a queued insert of key, and
// counts it in Stats.Rejected if not.
func (a *Adapter) settle(key string) {
	if !a.present(key) {
		a.rejected.Add(1)
	}
}

// present reports whether ristretto holds an unexpired item for key, without
// recording an access.
func (a *Adapter) present(key string) bool {
	_, ok := a.rc.GetTTL(key)
	return ok
}

// Get returns a copy of the value stored under key, or an error wrapping
// adapter.ErrNotFound when it is missing, expired or evicted. It takes no lock.
func (a *Adapter) Get(ctx context.Context, key string) ([]byte, error) {
	if ctx.Err() != nil {
		return nil, adapter.CheckContext(ctx)
	}
	s := a.enter()
	if s == nil {
		return nil, errClosed
	}
	if err := adapter.CheckKey(key); err != nil {
		a.leave(s)
		return nil, err
	}
	e, ok := a.rc.Get(key)
	a.leave(s)
	// With Grace 0, ristretto's expiry is the logical one (see keepFor) and ristretto
	// has just checked it: skip a second clock read.
	if !ok || !e.is(key) || (a.grace > 0 && e.expired(a.now())) {
		return nil, adapter.NotFound(key)
	}
	return e.value(), nil
}

// GetWithTTL returns a copy of the value stored under key and its remaining time to
// live, adapter.NoExpiration for a value that never expires.
func (a *Adapter) GetWithTTL(ctx context.Context, key string) ([]byte, time.Duration, error) {
	if ctx.Err() != nil {
		return nil, 0, adapter.CheckContext(ctx)
	}
	s := a.enter()
	if s == nil {
		return nil, 0, errClosed
	}
	if err := adapter.CheckKey(key); err != nil {
		a.leave(s)
		return nil, 0, err
	}
	e, ok := a.rc.Get(key)
	a.leave(s)
	if !ok || !e.is(key) {
		return nil, 0, adapter.NotFound(key)
	}
	if e.expiry == 0 {
		return e.value(), adapter.NoExpiration, nil
	}
	left := e.expiry - a.now()
	if left <= 0 {
		return nil, 0, adapter.NotFound(key)
	}
	return e.value(), time.Duration(left), nil
}

// GetMany returns copies of the values of the keys that are present; misses are
// omitted. An invalid key fails the whole call.
func (a *Adapter) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	if err := adapter.CheckContext(ctx); err != nil {
		return nil, err
	}
	s := a.enter()
	if s == nil {
		return nil, errClosed
	}
	defer a.leave(s)
	if err := adapter.CheckKeys(keys); err != nil {
		return nil, err
	}
	var now int64
	if a.grace > 0 {
		now = a.now()
	}
	out := make(map[string][]byte, len(keys))
	for _, k := range keys {
		if e, ok := a.rc.Get(k); ok && e.is(k) && (a.grace == 0 || !e.expired(now)) {
			out[k] = e.value()
		}
	}
	return out, nil
}

// Set stores a copy of value under key for ttl (> 0, rounded up to whole
// milliseconds, or adapter.NoExpiration). A Get of key that starts after Set returns
// (in this goroutine or any other) returns value, unless the cache is full and
// ristretto's admission policy declined the entry or evicted it (see the package
// documentation). An entry larger than MaxCost is an error wrapping ErrTooLarge.
func (a *Adapter) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := adapter.CheckContext(ctx); err != nil {
		return err
	}
	s := a.enter()
	if s == nil {
		return errClosed
	}
	defer a.leave(s)
	if err := adapter.CheckKey(key); err != nil {
		return err
	}
	if err := adapter.CheckTTL(ttl); err != nil {
		return err
	}
	e, err := a.newEntry(key, value)
	if err != nil {
		return err
	}
	mu := a.lock(key)
	defer mu.Unlock()
	e.expiry = a.expiryAt(a.now(), ttl)
	return a.write(ctx, key, e, nil)
}

// SetMany stores copies of all items for ttl, as Set does. Every key and size is
// checked before anything is stored, so an invalid item leaves the cache unchanged.
func (a *Adapter) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	if err := adapter.CheckContext(ctx); err != nil {
		return err
	}
	s := a.enter()
	if s == nil {
		return errClosed
	}
	defer a.leave(s)
	if err := adapter.CheckTTL(ttl); err != nil {
		return err
	}
	type item struct {
		key string
		e   entry
	}
	batch := make([]item, 0, len(items))
	for k, v := range items {
		if err := adapter.CheckKey(k); err != nil {
			return err
		}
		e, err := a.newEntry(k, v)
		if err != nil {
			return err
		}
		batch = append(batch, item{k, e})
	}
	// Hold the write locks of every key in the batch (taken in ascending order, as
	// Clear does, so that batches cannot deadlock), queue every insert, then wait for
	// ristretto once rather than once per new key.
	stripes := make([]int, 0, len(batch))
	for _, it := range batch {
		stripes = append(stripes, a.stripeOf(it.key))
	}
	slices.Sort(stripes)
	stripes = slices.Compact(stripes)
	for _, i := range stripes {
		a.stripes[i].Lock()
	}
	var queued []string
	defer func() {
		// Even when returning early, wait for what was queued before unlocking, so
		// that no insert is still in ristretto's buffer once another write of the
		// key can start.
		if len(queued) > 0 {
			a.rc.Wait()
			for _, k := range queued {
				a.settle(k)
			}
		}
		for _, i := range stripes {
			a.stripes[i].Unlock()
		}
	}()
	now := a.now()
	for _, it := range batch {
		if err := adapter.CheckContext(ctx); err != nil {
			return err
		}
		it.e.expiry = a.expiryAt(now, ttl)
		visible, err := a.stage(ctx, it.key, it.e, nil)
		if err != nil {
			return err
		}
		if !visible {
			queued = append(queued, it.key)
		}
	}
	return nil
}

// Remove deletes keys and reports whether every distinct key was present (an expired
// key, even one still in its grace window, was not). Duplicates count once.
func (a *Adapter) Remove(ctx context.Context, keys ...string) (allExisted bool, err error) {
	if err := adapter.CheckContext(ctx); err != nil {
		return false, err
	}
	s := a.enter()
	if s == nil {
		return false, errClosed
	}
	defer a.leave(s)
	if err := adapter.CheckKeys(keys); err != nil {
		return false, err
	}
	var seen map[string]struct{}
	if len(keys) > 16 {
		seen = make(map[string]struct{}, len(keys))
	}
	allExisted = true
	for i, k := range keys {
		if seen != nil {
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
		} else if slices.Contains(keys[:i], k) {
			continue
		}
		if !a.remove(k) {
			allExisted = false
		}
	}
	return allExisted, nil
}

// remove deletes key and reports whether it was present and unexpired.
func (a *Adapter) remove(key string) bool {
	mu := a.lock(key)
	defer mu.Unlock()
	e, ok := a.rc.Get(key)
	if !ok || !e.is(key) {
		return false
	}
	// ristretto's Del removes the item at once and queues the removal for its
	// policy; a Set queued earlier cannot resurrect it, since the queue is applied in
	// order (and Set waits for its own insert under this same lock anyway).
	a.rc.Del(key)
	return !e.expired(a.now())
}

// UpdateTimeout sets key's expiry to now+ttl (or none, for adapter.NoExpiration) and
// returns a copy of its value, atomically with respect to other writes of key. A key
// that expired less than Grace ago is revived; past that, or never set, the error
// wraps adapter.ErrNotFound.
func (a *Adapter) UpdateTimeout(ctx context.Context, key string, ttl time.Duration) ([]byte, error) {
	if err := adapter.CheckContext(ctx); err != nil {
		return nil, err
	}
	s := a.enter()
	if s == nil {
		return nil, errClosed
	}
	defer a.leave(s)
	if err := adapter.CheckKey(key); err != nil {
		return nil, err
	}
	if err := adapter.CheckTTL(ttl); err != nil {
		return nil, err
	}
	mu := a.lock(key)
	defer mu.Unlock()
	e, ok := a.rc.Get(key)
	now := a.now()
	if !ok || !e.is(key) || (e.expiry != 0 && now >= satAdd(e.expiry, int64(a.grace))) {
		return nil, adapter.NotFound(key)
	}
	n := entry{buf: e.buf}
	n.expiry = a.expiryAt(now, ttl)
	if err := a.write(ctx, key, n, &e); err != nil {
		return nil, err
	}
	return e.value(), nil
}

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

// Clear removes every entry. Writes of other goroutines wait until it is done.
func (a *Adapter) Clear(ctx context.Context) error {
	if err := adapter.CheckContext(ctx); err != nil {
		return err
	}
	s := a.enter()
	if s == nil {
		return errClosed
	}
	defer a.leave(s)
	// ristretto's Clear must not run alongside writes (an in-place update could
	// leave an item in the store that its policy no longer accounts for), so hold
	// every write lock. Gets may go on.
	for i := range a.stripes {
		a.stripes[i].Lock()
	}
	a.rc.Clear()
	for i := range a.stripes {
		a.stripes[i].Unlock()
	}
	return nil
}

// Close waits for calls in flight, then stops ristretto and frees its memory. Every
// later call returns an error wrapping adapter.ErrClosed. Closing twice is not an
// error.
func (a *Adapter) Close() error {
	if !a.gate.close() {
		return nil
	}
	a.cleanup.Stop()
	a.rc.Close()
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
	// Rejected counts the writes the cache did not keep: ristretto's admission
	// policy declined them, or evicted them before Set returned, because the cache
	// was full of more frequently used entries. A steady rise means MaxCost is too
	// small for the working set.
	Rejected uint64
}

// Stats returns the adapter's current cost and counters. After Close, Cost is 0.
func (a *Adapter) Stats() Stats {
	// ristretto's cost accessors only take its policy's lock: safe at any time,
	// even during or after Close (which zeroes the cost).
	return Stats{
		MaxCost:  a.opts.MaxCost,
		Cost:     a.rc.MaxCost() - a.rc.RemainingCost(),
		Rejected: a.rejected.Load(),
	}
}
