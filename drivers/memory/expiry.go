package memory

import (
	"encoding/binary"
	"sync"
	"time"
	"unsafe"
)

// Expired entries are removed by the adapter's sweeper, not by ristretto.
//
// ristretto can expire entries itself, but then every Get of an entry with a TTL
// reads the wall and monotonic clocks (time.Now), which makes a hit much slower
// (docs/memory.md has the figures).
// The adapter stores every entry in ristretto without a TTL, checks the entry's own
// expiry on its cheaper monotonic clock (see now), and removes expired entries in a
// background sweep, once a second, through an index of the entries that expire.

// sweepEvery is how often the sweeper runs, and the width of the index's buckets:
// an entry is removed within two sweeps of the end of its grace window.
const sweepEvery = time.Second

// indexShards spreads the index over independent locks, so that concurrent writers
// (each of which adds one reference, and removes the one it replaces) rarely wait.
const indexShards = 64

// ref identifies an entry's buffer, which holds its key and expiry. The index holds
// refs, so holding a ref keeps the buffer in memory: refs are dropped when their
// entry leaves the cache (forget, called by ristretto's OnExit) or when their bucket
// is swept, so the index never keeps an evicted entry alive for long.
type ref = *byte

// refKey returns the key stored in the entry buffer r points to (see entry.buf).
// The buffer is never modified once stored, so the string may alias it.
func refKey(r ref) string {
	n := int(binary.LittleEndian.Uint16(unsafe.Slice(r, 2))) + 1
	return unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(r), headerLen)), n)
}

// expiryIndex holds a reference to every stored entry that expires, in buckets of
// sweepEvery by the end of its grace window. References are counted: two stored
// entries share a buffer while a new memo replaces an entry in place (the new one
// is added before ristretto forgets the old one).
type expiryIndex struct {
	grace  time.Duration
	shards [indexShards]indexShard
}

type indexShard struct {
	mu      sync.Mutex
	buckets map[int64]map[ref]int32
	first   int64 // no bucket below this one is held (a lower bound)
	_       [cacheLine - 24]byte
}

// bucketOf returns the bucket of an entry expiring at expiry: the one swept first
// at or after the end of its grace window.
func (x *expiryIndex) bucketOf(expiry int64) int64 {
	return satAdd(expiry, int64(x.grace))/int64(sweepEvery) + 1
}

func (x *expiryIndex) shard(r ref) *indexShard {
	h := uint64(uintptr(unsafe.Pointer(r))>>4) * 0x9E3779B97F4A7C15
	return &x.shards[h>>(64-6)] // indexShards = 1<<6
}

// place returns where e's reference is kept: its ref, bucket and shard; ok is
// false for an entry that never expires (not indexed) or a zero entry (which
// ristretto's OnExit passes for keys it found missing).
func (x *expiryIndex) place(e entry) (r ref, b int64, s *indexShard, ok bool) {
	if len(e.buf) == 0 {
		return nil, 0, nil, false
	}
	exp := e.expiry()
	if exp == 0 {
		return nil, 0, nil, false
	}
	r = &e.buf[0]
	return r, x.bucketOf(exp), x.shard(r), true
}

// add indexes e, which is about to be stored.
func (x *expiryIndex) add(e entry) {
	r, b, s, ok := x.place(e)
	if !ok {
		return
	}
	s.mu.Lock()
	if s.buckets == nil {
		s.buckets = make(map[int64]map[ref]int32)
	}
	m := s.buckets[b]
	if m == nil {
		m = make(map[ref]int32)
		s.buckets[b] = m
		if len(s.buckets) == 1 || b < s.first {
			s.first = b
		}
	}
	m[r]++
	s.mu.Unlock()
}

// forget drops one reference to e: e has left the cache (ristretto's OnExit) or
// was never stored.
func (x *expiryIndex) forget(e entry) {
	r, b, s, ok := x.place(e)
	if !ok {
		return
	}
	s.mu.Lock()
	if m := s.buckets[b]; m != nil {
		if m[r] > 1 {
			m[r]--
		} else {
			delete(m, r)
			if len(m) == 0 {
				delete(s.buckets, b)
			}
		}
	}
	s.mu.Unlock()
}

// due removes and returns the references of shard i in buckets swept at now.
func (x *expiryIndex) due(i int, now int64) []ref {
	s := &x.shards[i]
	last := now / int64(sweepEvery) // bucket b is due once now >= b*sweepEvery
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.buckets) == 0 || s.first > last {
		return nil
	}
	var out []ref
	next := int64(-1)
	for b, m := range s.buckets {
		if b > last {
			if next < 0 || b < next {
				next = b
			}
			continue
		}
		for r := range m {
			out = append(out, r)
		}
		delete(s.buckets, b)
	}
	s.first = next
	return out
}

// clear drops every reference (after ristretto's Clear, which reports each
// entry to forget anyway; this also frees the maps).
func (x *expiryIndex) clear() {
	for i := range x.shards {
		s := &x.shards[i]
		s.mu.Lock()
		s.buckets = nil
		s.mu.Unlock()
	}
}

// sweeper removes expired entries once a second until stop is closed. It holds the
// adapter's shared state, not the Adapter, so that an Adapter dropped without Close
// can still be reclaimed (and its cleanup then stops the sweeper).
type sweeper struct {
	st   *state
	stop chan struct{}
	done chan struct{}
}

func startSweeper(st *state) *sweeper {
	w := &sweeper{st: st, stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *sweeper) run() {
	defer close(w.done)
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.st.sweep(w.stop)
		}
	}
}

// halt stops the sweeper and waits for it to return. Call it once.
func (w *sweeper) halt() {
	close(w.stop)
	<-w.done
}

// sweep removes the entries whose grace window has ended, shard by shard, each
// under the close gate (so Close waits for at most one shard's work) and each entry
// under its key's write lock (so it cannot remove a value written meanwhile).
func (st *state) sweep(stop <-chan struct{}) {
	for i := range st.index.shards {
		select {
		case <-stop:
			return
		default:
		}
		s := st.gate.enter()
		if s == nil {
			return
		}
		now := st.now()
		for _, r := range st.index.due(i, now) {
			st.expire(refKey(r), now)
		}
		st.gate.leave(s)
	}
}

// expire removes key if the entry it holds has expired past its grace window at
// now. The entry found may be a later one than the reference swept: it is then
// removed only if it too has run out.
func (st *state) expire(key string, now int64) {
	mu := st.lock(key)
	defer mu.Unlock()
	over := func(e entry) bool { return e.expiry() != 0 && now >= satAdd(e.expiry(), int64(st.grace)) }
	if e, ok := st.win.get(key); ok {
		if over(e) {
			st.win.take(key)
			st.index.forget(e)
		}
		return
	}
	if e, ok := st.rc.Get(key); ok && e.is(key) && over(e) {
		st.rc.Del(key)
	}
}
