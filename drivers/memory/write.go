package memory

import (
	"context"
	"slices"
	"time"

	"github.com/stratacache/strata/adapter"
)

// write stores e under key, with no ristretto TTL (see expiry.go). old is
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
//   - Anything else is an insert: the key is taken out of the admission window, if
//     it was there, and deleted from ristretto (which also drops an expired entry
//     ristretto has not cleaned up yet, and orders the insert after the delete in the
//     buffer). If ristretto has no room for the entry, it goes to the admission
//     window instead, visible at once (see window.go). Otherwise SetWithTTL, which
//     only queues the item, then Wait, which returns once the buffer has been
//     applied up to it.
//   - SetWithTTL returns false when the buffer is full and the insert was dropped:
//     Wait for the buffer to drain, then retry.
//   - Finally the key is looked up. It is missing only if ristretto's admission
//     declined the entry or evicted it at once (concurrent writes took the room it
//     had): it then goes to the admission window, or, too large for it, is counted
//     in Stats.Rejected.
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
	visible, err := a.stage(ctx, key, e, old, nil)
	if err != nil || visible {
		return err
	}
	a.rc.Wait()
	a.settle(key, e, nil)
	return nil
}

// stage is the first part of write: everything up to the Wait. It reports whether e
// needs nothing more (an in-place update, or an entry stored in the admission window
// or through insertLarge); if not, e was queued as an insert and the caller must
// Wait and then settle, still holding key's write lock and those of the stripes in
// locked (sorted).
func (a *Adapter) stage(ctx context.Context, key string, e entry, old *entry, locked []int) (visible bool, err error) {
	cost := e.cost()
	if held, ok := a.win.take(key); ok {
		// key was in the admission window, so not in ristretto: e is an insert.
		a.index.forget(held)
		old = nil
	} else if old == nil {
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
		// With no room in ristretto, a new entry goes to the admission window, not
		// through ristretto's admission (see window.go); one larger than ristretto's
		// share goes through it, with room made from the window's share.
		if cost > a.win.base {
			return true, a.insertLarge(ctx, key, e)
		}
		if cost > a.rc.RemainingCost() && a.admit(key, e, locked) {
			return true, nil
		}
	}
	// Indexed before it is stored: ristretto may evict or decline it (calling
	// index.forget) as soon as it is queued. No TTL for ristretto (see expiry.go).
	a.index.add(e)
	for !a.rc.SetWithTTL(key, e, cost, 0) {
		err := adapter.CheckContext(ctx)
		if a.gate.closed.Load() {
			err = errClosed
		}
		if err != nil {
			a.index.forget(e)
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

// settle checks, after a Wait, whether ristretto kept a queued insert of e under key.
// If not, it puts e in the admission window (see window.go), and counts it in
// Stats.Rejected if that fails too. The caller holds key's write lock and those of
// the stripes in locked (sorted).
func (a *Adapter) settle(key string, e entry, locked []int) {
	if !a.present(key) && !a.admit(key, e, locked) {
		a.rejected.Add(1)
	}
}

// present reports whether ristretto holds an unexpired item for key, without
// recording an access.
func (a *Adapter) present(key string) bool {
	_, ok := a.rc.GetTTL(key)
	return ok
}

// Set stores a copy of value under key for ttl (> 0, rounded up to whole
// milliseconds, or adapter.NoExpiration). A Get of key that starts after Set returns
// (in this goroutine or any other) returns value, unless the cache is full and
// ristretto's admission policy declined the entry or evicted it (see the package
// documentation). An entry larger than MaxCost is an error wrapping ErrTooLarge.
func (a *Adapter) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	s, err := a.begin(ctx)
	if err != nil {
		return err
	}
	defer a.leave(s)
	e, err := a.newEntry(key, value)
	if err != nil {
		return err
	}
	mu := a.lock(key)
	defer mu.Unlock()
	e.setExpiry(a.expiryAt(a.now(), ttl))
	return a.write(ctx, key, e, nil)
}

// SetMany stores copies of all items for ttl, as Set does. Every entry is built
// before anything is stored, so an item too large to store leaves the cache
// unchanged.
func (a *Adapter) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	s, err := a.begin(ctx)
	if err != nil {
		return err
	}
	defer a.leave(s)
	type item struct {
		key string
		e   entry
	}
	batch := make([]item, 0, len(items))
	for k, v := range items {
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
	var queued []item
	defer func() {
		// Even when returning early, wait for what was queued before unlocking, so
		// that no insert is still in ristretto's buffer once another write of the
		// key can start.
		if len(queued) > 0 {
			a.rc.Wait()
			for _, it := range queued {
				a.settle(it.key, it.e, stripes)
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
		it.e.setExpiry(a.expiryAt(now, ttl))
		visible, err := a.stage(ctx, it.key, it.e, nil, stripes)
		if err != nil {
			return err
		}
		if !visible {
			queued = append(queued, it)
		}
	}
	return nil
}

// UpdateTimeout sets key's expiry to now+ttl (or none, for adapter.NoExpiration) and
// returns a copy of its value, atomically with respect to other writes of key. A key
// that expired less than Grace ago is revived; past that, or never set, the error
// wraps adapter.ErrNotFound.
func (a *Adapter) UpdateTimeout(ctx context.Context, key string, ttl time.Duration) ([]byte, error) {
	s, err := a.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer a.leave(s)
	mu := a.lock(key)
	defer mu.Unlock()
	e, ok := a.rc.Get(key)
	if !ok {
		e, ok = a.missed(key)
	}
	now := a.now()
	if !ok || !e.is(key) || (e.expiry() != 0 && now >= satAdd(e.expiry(), int64(a.grace))) {
		return nil, adapter.NotFound(key)
	}
	x := a.expiryAt(now, ttl)
	if x == e.expiry() {
		return e.value(), nil // nothing to change (persisting a value that never expires)
	}
	// A new buffer with the new expiry; the memo still describes its bytes.
	n := entry{buf: slices.Clone(e.buf), memo: e.memo}
	n.setExpiry(x)
	if err := a.write(ctx, key, n, &e); err != nil {
		return nil, err
	}
	return e.value(), nil
}
