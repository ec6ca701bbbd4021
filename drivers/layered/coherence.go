package layered

import (
	"context"
	"errors"
	"hash/maphash"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratacache/strata/adapter"
)

// How the adapter keeps L1 coherent
//
// Every key maps to one of numStripes stripes. A stripe has a version, bumped by
// every event that may make what L1 holds for its keys out of date: the start and the
// end of a local write, and an invalidation from another process. A read that misses
// L1 notes the version (and the global gen) before it asks L2, and stores what L2
// returned in L1 only if, under the stripe's lock, neither has moved and no local
// write of the stripe is in flight. So a back-fill that started before an
// invalidation (or a local write) arrived is discarded, not stored: the race between
// a slow read of the old value and the drop that follows a write elsewhere cannot
// leave the old value in L1. Writes store their own value in L1 only if no other
// write of the stripe overlapped them and no invalidation came in meanwhile;
// otherwise they drop the key from L1, and the next read fetches it from L2.
//
// gen covers all keys at once: it is bumped, with every stripe locked, whenever L1 is
// emptied (onReset, an L2 failure, the recovery from one, Clear).
//
// A stripe's lock is held across the L1 call that stores or drops its keys, so an
// invalidation (which bumps the version and drops the keys under the same lock) is
// ordered entirely before or after any store. Distinct keys sharing a stripe only
// cost a few back-fills that are skipped.
const numStripes = 1024

type stripe struct {
	mu       sync.Mutex
	ver      atomic.Uint64 // read without the lock to take a snapshot; written under it
	inflight int           // local writes of the stripe's keys in progress; under mu
}

// Timing of the supervisor: waits between attempts grow from minBackoff to
// maxBackoff; a probe waits probeWait for its echo; publishes and subscribes give
// up after publishTimeout / subscribeTimeout.
var (
	minBackoff       = 20 * time.Millisecond
	maxBackoff       = time.Second
	probeWait        = 500 * time.Millisecond
	publishTimeout   = 3 * time.Second
	subscribeTimeout = 5 * time.Second
)

// Reserved keys. Both start with a NUL byte and a name no application uses.
const (
	// clearAllKey, published by Clear, makes every other process empty its L1.
	clearAllKey = "\x00strata/layered:clear-all"
	// clearPrefixKey, followed by a prefix, makes every other process drop the keys
	// that start with that prefix from its L1. Clear publishes it followed by
	// clearAllKey in the same message (see clearMessage).
	clearPrefixKey = "\x00strata/layered:clear-prefix:"
	// probeKeyPrefix starts the keys of probes (followed by a random instance id and
	// a sequence number). Other processes merely drop such a key from their L1.
	probeKeyPrefix = "\x00strata/layered:probe:"
	// maxRepair bounds the keys whose invalidation is waiting to be re-published;
	// beyond it, clearAllKey is published instead.
	maxRepair = 10_000
	// publishChunk bounds the keys of one repair message.
	publishChunk = 1000
)

func (a *Adapter) stripeOf(key string) int {
	return int(maphash.String(a.seed, key) & (numStripes - 1))
}

// stripesOf returns the distinct stripes of keys, ascending (the order locks are
// taken in, everywhere, so that holders of several cannot deadlock).
func (a *Adapter) stripesOf(keys []string) []int {
	idx := make([]int, len(keys))
	for i, k := range keys {
		idx[i] = a.stripeOf(k)
	}
	slices.Sort(idx)
	return slices.Compact(idx)
}

func (a *Adapter) lockStripes(idx []int) {
	for _, i := range idx {
		a.stripes[i].mu.Lock()
	}
}

func (a *Adapter) unlockStripes(idx []int) {
	for _, i := range idx {
		a.stripes[i].mu.Unlock()
	}
}

func (a *Adapter) lockAll() {
	for i := range a.stripes {
		a.stripes[i].mu.Lock()
	}
}

func (a *Adapter) unlockAll() {
	for i := range a.stripes {
		a.stripes[i].mu.Unlock()
	}
}

// l1ctx is the context of L1 calls made after L2 answered: they must happen even if
// the caller's ctx ended meanwhile, or L1 could keep what L2 no longer has.
func l1ctx(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// snapshot is what a read notes before asking L2, to decide afterwards whether it
// may back-fill L1.
type snapshot struct {
	ver, gen uint64
}

// snap is taken before the caller reads mayFill: a health transition bumps gen
// before it changes healthy, so a fill decided on a stale healthy fails the gen check.
func (a *Adapter) snap(i int) snapshot {
	return snapshot{ver: a.stripes[i].ver.Load(), gen: a.gen.Load()}
}

// mayFill reports whether reads should back-fill L1 now: while L1 is served, or
// while it keeps entries as a fallback.
func (a *Adapter) mayFill() bool { return a.serveStale || a.healthy.Load() }

// fill stores value under key in L1 for ttl, unless something happened to the key's
// stripe (or to L1 as a whole) since s was taken.
func (a *Adapter) fill(ctx context.Context, i int, s snapshot, key string, value []byte, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	st := &a.stripes[i]
	st.mu.Lock()
	if st.ver.Load() == s.ver && st.inflight == 0 && a.gen.Load() == s.gen {
		if a.l1.Set(l1ctx(ctx), key, value, ttl) != nil {
			_, _ = a.l1.Remove(l1ctx(ctx), key)
		}
	}
	st.mu.Unlock()
}

// drop removes key from L1 and bumps its stripe's version.
func (a *Adapter) drop(ctx context.Context, key string) {
	st := &a.stripes[a.stripeOf(key)]
	st.mu.Lock()
	st.ver.Add(1)
	_, _ = a.l1.Remove(l1ctx(ctx), key)
	st.mu.Unlock()
}

// ticket is a local write in progress on some stripes.
type ticket struct {
	idx []int    // the stripes, ascending
	ver []uint64 // each stripe's version once the write began
	gen uint64
	one [1]int // backing store of idx for single-key writes
	v1  [1]uint64
}

// beginWrite registers a write of keys: it bumps their stripes' versions (so reads
// in flight will not back-fill what they fetched before the write) and counts the
// write as in flight.
func (a *Adapter) beginWrite(t *ticket, keys ...string) {
	if len(keys) == 1 {
		t.one[0] = a.stripeOf(keys[0])
		t.idx, t.ver = t.one[:], t.v1[:]
	} else {
		t.idx = a.stripesOf(keys)
		t.ver = make([]uint64, len(t.idx))
	}
	for j, i := range t.idx {
		st := &a.stripes[i]
		st.mu.Lock()
		st.inflight++
		t.ver[j] = st.ver.Add(1)
		st.mu.Unlock()
	}
	t.gen = a.gen.Load()
}

// endWrite finishes a write registered by beginWrite. With store, the write
// succeeded in L2 and values (by key) are what L2 now holds, for l1TTL: each key is
// stored in L1 if no other write of its stripe overlapped this one and nothing
// invalidated it meanwhile, and dropped from L1 otherwise. Without store (a removal,
// or a write L2 refused or may not have applied) every key is dropped from L1, so L1
// is never newer than L2.
func (a *Adapter) endWrite(ctx context.Context, t *ticket, keys []string, values map[string][]byte, l1TTL time.Duration, store bool) {
	a.lockStripes(t.idx)
	defer a.unlockStripes(t.idx)
	store = store && l1TTL > 0 && a.gen.Load() == t.gen && a.mayFill()
	var ok []bool
	if store {
		ok = make([]bool, len(t.idx))
	}
	for j, i := range t.idx {
		st := &a.stripes[i]
		st.inflight--
		if store {
			ok[j] = st.ver.Load() == t.ver[j] && st.inflight == 0
		}
		st.ver.Add(1)
	}
	ctx = l1ctx(ctx)
	if !store {
		_, _ = a.l1.Remove(ctx, keys...)
		return
	}
	keep := make(map[string][]byte, len(keys))
	var drop []string
	for _, k := range keys {
		j, _ := slices.BinarySearch(t.idx, a.stripeOf(k))
		if ok[j] {
			keep[k] = values[k]
		} else {
			drop = append(drop, k)
		}
	}
	if len(drop) > 0 {
		_, _ = a.l1.Remove(ctx, drop...)
	}
	if len(keep) == 0 {
		return
	}
	var err error
	if len(keep) == 1 || a.l1b == nil {
		for k, v := range keep {
			if e := a.l1.Set(ctx, k, v, l1TTL); e != nil {
				err = e
			}
		}
	} else {
		err = a.l1b.SetMany(ctx, keep, l1TTL)
	}
	if err != nil { // e.g. a value too large for L1: it must not keep an older one
		_, _ = a.l1.Remove(ctx, slices.Collect(maps.Keys(keep))...)
	}
}

// flushL1 empties L1 and bumps gen, so that no fill or write-back in flight lands.
// With healthy non-nil it also sets the health flag, in the same critical section.
// It reports whether it ran: with only (a gen to check), it does nothing unless gen
// is still *only.
func (a *Adapter) flushL1(clear bool, healthy *bool, only *uint64) bool {
	a.lockAll()
	defer a.unlockAll()
	if only != nil && a.gen.Load() != *only {
		return false
	}
	if a.closed.Load() {
		return false
	}
	a.gen.Add(1)
	if healthy != nil {
		a.healthy.Store(*healthy)
	}
	if clear {
		_ = a.l1c.Clear(context.Background(), "")
	}
	return true
}

// invalidate is the subscription's onInvalidate: another process changed keys.
// Another process's probes (published by New and after resets) change nothing and
// are not reported to OnInvalidate.
func (a *Adapter) invalidate(keys []string) {
	if slices.ContainsFunc(keys, isProbe) {
		keys = slices.DeleteFunc(slices.Clone(keys), isProbe)
	}
	valid := keys[:0:0]
	clears := 0
	for i := 0; i < len(keys); i++ {
		k := keys[i]
		switch {
		case k == clearAllKey:
			a.flushL1(true, nil, nil)
			clears++
		case strings.HasPrefix(k, clearPrefixKey):
			a.clearL1(k[len(clearPrefixKey):])
			if i+1 < len(keys) && keys[i+1] == clearAllKey {
				i++ // the fallback for versions that do not know clearPrefixKey
			}
			clears++
		case foreignKeyOK(k):
			valid = append(valid, k)
		}
	}
	if n := len(valid) + clears; n > 0 {
		a.events.received.Add(uint64(n)) // Report (report.go)
	}
	if len(valid) > 0 {
		idx := a.stripesOf(valid)
		a.lockStripes(idx)
		for _, i := range idx {
			a.stripes[i].ver.Add(1)
		}
		_, _ = a.l1.Remove(context.Background(), valid...)
		a.unlockStripes(idx)
	}
	if a.onInvalidate != nil && len(keys) > 0 {
		a.onInvalidate(keys)
	}
}

func isProbe(key string) bool { return strings.HasPrefix(key, probeKeyPrefix) }

// foreignKeyOK reports whether a key another process announced could be a key of
// this adapter's (1 to adapter.MaxKeyLen bytes, as strata.Cache passes). Keys from
// the network are foreign input: anyone who can publish on the channel can send
// anything, and L1 is asked to remove only keys it could hold.
func foreignKeyOK(key string) bool { return key != "" && len(key) <= adapter.MaxKeyLen }

// reset is the subscription's onReset: invalidations may have been missed. L1 stops
// being served (and is emptied, unless it is kept as a stale fallback) until the
// supervisor has confirmed that the subscription delivers again.
func (a *Adapter) reset() { a.resetFor(nil) }

// resetFor is reset, after L2 failed with cause (nil: the subscription reported
// that invalidations may have been missed).
func (a *Adapter) resetFor(cause error) {
	unhealthy := false
	if a.flushL1(!a.serveStale, &unhealthy, nil) {
		a.events.resets.Add(1) // Report (report.go)
		if a.log != nil {
			if cause != nil {
				a.log.Warn("strata/layered: L2 is unavailable; L1 is bypassed until it answers again", "err", cause)
			} else {
				a.log.Warn("strata/layered: invalidations may have been missed (subscription lost or silent); L1 is bypassed until the subscription delivers again")
			}
		}
		a.wake()
		if a.onReset != nil {
			a.onReset()
		}
	}
}

// l2Failed is called after L2 returned err for a call made with ctx. If err means L2
// is failing and L1 is being served, L1 stops being served, as after a reset.
func (a *Adapter) l2Failed(ctx context.Context, err error) {
	if !failure(ctx, err) || !a.healthy.Load() {
		return
	}
	a.resetFor(err)
}

// writeFailed is called after a write of keys failed in L2 with err. Whether L2 is
// failing (l2Failed) and whether the write changed anything are separate questions:
// an outage or the caller's ctx ending may hide a write that was applied, and a
// batch that is not a transaction (SetMany) may have stored some items before a
// reply about another one. So unless err says nothing was attempted (a miss, an
// invalid key or TTL, a closed adapter), the invalidation is published in the
// background, best effort: other processes drop a key that did not change, rather
// than keep one that did.
func (a *Adapter) writeFailed(ctx context.Context, err error, keys ...string) {
	a.l2Failed(ctx, err)
	for _, e := range [...]error{adapter.ErrNotFound, adapter.ErrInvalidKey, adapter.ErrInvalidTTL, adapter.ErrClosed} {
		if errors.Is(err, e) {
			return
		}
	}
	a.queueRepair(keys)
}
