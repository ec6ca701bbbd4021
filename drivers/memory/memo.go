package memory

import (
	"context"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/internal/fastpath"
)

var _ fastpath.Memoizer = (*Adapter)(nil)

// GetMemo returns the value kept beside key's bytes under tag, or decodes the bytes
// with decode and keeps the result (see fastpath.Memoizer). A kept value is charged
// against MaxCost (an estimate: the length of the bytes plus 64) and is only kept
// when the cache has room for it without evicting anything; it is dropped with the
// entry's bytes, by the next write of the key.
func (a *Adapter) GetMemo(ctx context.Context, key string, tag any, decode func(value []byte) (any, error)) (any, error) {
	s, err := a.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer a.leave(s)
	e, ok := a.rc.Get(key)
	if !ok {
		e, ok = a.missed(key) // attach keeps no memo for it: it is not in ristretto
	}
	if !ok || !e.is(key) || e.expiredNow(a.state) {
		return nil, adapter.NotFound(key)
	}
	if m := e.memo; m != nil && m.tag == tag {
		return m.v, nil
	}
	v, err := decode(e.view())
	if err != nil {
		return nil, err
	}
	if e.memo == nil {
		a.attach(key, e, &memo{tag: tag, v: v, cost: memoCost(len(e.buf) - e.valueAt())})
	}
	return v, nil
}

// attach stores seen again with m, if key still holds seen and the cache has room
// for m. It never evicts for a memo, and never turns a read into a write that could
// lose the key: it only updates ristretto's item in place.
func (a *Adapter) attach(key string, seen entry, m *memo) {
	mu := a.lock(key)
	defer mu.Unlock()
	cur, ok := a.rc.Get(key)
	if !ok || len(cur.buf) == 0 || &cur.buf[0] != &seen.buf[0] || cur.memo != nil || a.rc.RemainingCost() < m.cost {
		return
	}
	n := entry{buf: cur.buf, memo: m}
	// Added before the update, which makes ristretto forget cur (the same buffer).
	a.index.add(n)
	if !a.rc.SetWithTTL(key, n, n.cost(), 0) {
		// ristretto evicted cur since we looked and dropped the insert this turned
		// into: nothing was stored.
		a.index.forget(n)
		return
	}
	// The cost update is buffered: apply it (and, should cur have been evicted since
	// we looked, the insert) before another write of key starts.
	a.rc.Wait()
}
