package layered

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"slices"
	"strconv"
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
		_ = a.l1c.Clear(context.Background())
	}
	return true
}

// invalidate is the subscription's onInvalidate: another process changed keys.
func (a *Adapter) invalidate(keys []string) {
	valid := keys[:0:0]
	for _, k := range keys {
		switch {
		case k == clearAllKey:
			a.flushL1(true, nil, nil)
		case adapter.CheckKey(k) == nil:
			valid = append(valid, k)
		}
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
	if a.onInvalidate != nil {
		a.onInvalidate(keys)
	}
}

// reset is the subscription's onReset: invalidations may have been missed. L1 stops
// being served (and is emptied, unless it is kept as a stale fallback) until the
// supervisor has confirmed that the subscription delivers again.
func (a *Adapter) reset() {
	unhealthy := false
	if a.flushL1(!a.serveStale, &unhealthy, nil) {
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
	a.reset()
}

// writeFailed is called after a write of keys failed in L2 with err. The write may
// still have been applied (a timeout, a cancelled ctx), so its invalidation is
// published in the background, best effort: other processes drop a key that did not
// change, rather than keep one that did.
func (a *Adapter) writeFailed(ctx context.Context, err error, keys ...string) {
	a.l2Failed(ctx, err)
	if failure(ctx, err) || ctx.Err() != nil {
		a.queueRepair(keys)
	}
}

// publish announces that keys changed, after a successful write. It uses its own
// bounded context, detached from the caller's: once L2 has the new value, the
// announcement matters more than the caller's deadline. On failure the keys are
// queued to be re-published, and the error wraps ErrPublish.
func (a *Adapter) publish(ctx context.Context, keys ...string) error {
	if a.inv == nil || len(keys) == 0 {
		return nil
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	stop := context.AfterFunc(a.ctx, cancel) // Close aborts it
	defer stop()
	err := a.inv.Publish(pctx, keys...)
	if err == nil {
		return nil
	}
	if a.ctx.Err() != nil && ctx.Err() == nil && errors.Is(err, context.Canceled) {
		err = errClosed // Close aborted it, not the caller
	}
	a.queueRepair(keys)
	a.l2Failed(pctx, err)
	return fmt.Errorf("%w: %w", ErrPublish, err)
}

// queueRepair remembers keys whose invalidation must be published, and wakes the
// supervisor if it was not already busy with earlier ones.
func (a *Adapter) queueRepair(keys []string) {
	if a.inv == nil || len(keys) == 0 {
		return
	}
	a.repairMu.Lock()
	was := len(a.repair) > 0 || a.repairAll
	a.addRepairLocked(keys)
	a.repairMu.Unlock()
	if !was {
		a.wake()
	}
}

// addRepairLocked adds keys to the repair queue; past maxRepair keys, the queue
// becomes "publish clearAllKey". The caller holds repairMu.
func (a *Adapter) addRepairLocked(keys []string) {
	if a.repairAll {
		return
	}
	for _, k := range keys {
		if k == clearAllKey || len(a.repair) >= maxRepair {
			a.repairAll = true
			clear(a.repair)
			return
		}
		a.repair[k] = struct{}{}
	}
}

func (a *Adapter) repairsPending() bool {
	a.repairMu.Lock()
	defer a.repairMu.Unlock()
	return len(a.repair) > 0 || a.repairAll
}

// flushRepairs publishes the queued invalidations; it reports success. What could
// not be published goes back in the queue.
func (a *Adapter) flushRepairs() bool {
	a.repairMu.Lock()
	keys := make([]string, 0, len(a.repair))
	for k := range a.repair {
		keys = append(keys, k)
	}
	if a.repairAll {
		keys = []string{clearAllKey}
	}
	a.repair = make(map[string]struct{})
	a.repairAll = false
	a.repairMu.Unlock()
	for len(keys) > 0 {
		n := min(len(keys), publishChunk)
		ctx, cancel := context.WithTimeout(a.ctx, publishTimeout)
		err := a.inv.Publish(ctx, keys[:n]...)
		cancel()
		if err != nil {
			a.repairMu.Lock()
			a.addRepairLocked(keys)
			a.repairMu.Unlock()
			return false
		}
		keys = keys[n:]
	}
	return true
}

// wake makes the supervisor look at the adapter's state.
func (a *Adapter) wake() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// subscribe starts the subscription to L2's invalidations, with ctx bounding the
// wait for its confirmation.
func (a *Adapter) subscribe(ctx context.Context) error {
	var (
		stop func()
		err  error
	)
	if a.allSub != nil {
		self := a.allSub.InstanceID()
		stop, err = a.allSub.SubscribeAll(ctx, func(publisher string, keys []string) {
			if publisher == self {
				a.ownMessage(keys) // our own write or probe: no need to drop anything
				return
			}
			a.invalidate(keys)
		}, a.reset)
	} else {
		stop, err = a.inv.Subscribe(ctx, a.invalidate, a.reset)
	}
	if err != nil {
		return err
	}
	a.subMu.Lock()
	if a.closed.Load() {
		a.subMu.Unlock()
		stop()
		return errClosed
	}
	a.stop = stop
	a.subscribed.Store(true)
	a.subMu.Unlock()
	return nil
}

// ownMessage handles a message this adapter published: probes are acknowledged,
// anything else (the echo of a write) is ignored.
func (a *Adapter) ownMessage(keys []string) {
	for _, k := range keys {
		rest, ok := strings.CutPrefix(k, a.probePfx)
		if !ok {
			continue
		}
		if seq, err := strconv.ParseUint(rest, 10, 64); err == nil {
			select {
			case a.probeAck <- seq:
			default:
			}
		}
	}
}

// supervise runs for the adapter's lifetime. It (re)subscribes when needed, probes L2
// after a reset or failure until L1 may be served again, and re-publishes
// invalidations that could not be published.
func (a *Adapter) supervise() {
	defer close(a.done)
	backoff := minBackoff
	for {
		if !a.needsWork() {
			backoff = minBackoff
			select {
			case <-a.quit:
				return
			case <-a.kick:
				continue
			}
		}
		if a.step() {
			backoff = minBackoff
			continue
		}
		if !a.sleep(backoff) {
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (a *Adapter) needsWork() bool {
	return !a.healthy.Load() || (a.inv != nil && !a.subscribed.Load()) || a.repairsPending()
}

// step makes one attempt at each pending task; it reports whether all succeeded.
func (a *Adapter) step() bool {
	if a.inv != nil && !a.subscribed.Load() {
		ctx, cancel := context.WithTimeout(a.ctx, subscribeTimeout)
		err := a.subscribe(ctx)
		cancel()
		if err != nil {
			return false
		}
	}
	ok := true
	if a.repairsPending() && !a.flushRepairs() {
		ok = false
	}
	if !a.healthy.Load() && !a.probe() {
		ok = false
	}
	return ok
}

// sleep waits d, or until woken; it reports false once the adapter is closing.
func (a *Adapter) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-a.kick:
	case <-a.quit:
		return false
	}
	return true
}

// probe checks whether L1 may be served again and, if so, empties it and serves it
// from now on. It reports whether L1 is served.
//
// With drivers/redis (an Invalidator that can deliver its own messages), the probe
// publishes a key of its own and waits for it to come back through the
// subscription: proof that the subscription is live and that every invalidation
// published from now on will arrive. Only then is L1 emptied (its content may miss
// invalidations published while the subscription was down) and served again. Any
// reset between the probe's publication and its echo voids it (gen moved).
//
// With another Invalidator, which hides its own messages, or without one, the probe
// is a Ping of L2 (a Get if L2 is no Pinger): the Invalidator is trusted to call
// onReset again when it re-subscribes, as its contract requires.
func (a *Adapter) probe() bool {
	g := a.gen.Load()
	ctx, cancel := context.WithTimeout(a.ctx, probeWait)
	defer cancel()
	if a.allSub != nil {
		for drained := false; !drained; { // echoes of earlier probes that timed out
			select {
			case <-a.probeAck:
			default:
				drained = true
			}
		}
		seq := a.probeSeq.Add(1)
		if err := a.inv.Publish(ctx, a.probePfx+strconv.FormatUint(seq, 10)); err != nil {
			return false
		}
	wait:
		for {
			select {
			case got := <-a.probeAck:
				if got == seq {
					break wait
				}
			case <-ctx.Done():
				return false
			}
		}
	} else if err := a.ping(ctx); err != nil {
		return false
	}
	healthy := true
	if !a.flushL1(true, &healthy, &g) {
		return false // a reset came in meanwhile: probe again
	}
	return true
}

// ping checks that L2 answers: its Ping, or a Get of a key nobody uses.
func (a *Adapter) ping(ctx context.Context) error {
	if a.l2p != nil {
		return a.l2p.Ping(ctx)
	}
	_, err := a.l2.Get(ctx, a.probePfx+"ping")
	if errors.Is(err, adapter.ErrNotFound) {
		return nil
	}
	return err
}
