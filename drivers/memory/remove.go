package memory

import (
	"context"
	"slices"

	"github.com/stratacache/strata/adapter"
)

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
	if e, ok := a.win.take(key); ok {
		a.index.forget(e)
		return !e.expiredNow(a.state)
	}
	e, ok := a.rc.Get(key)
	if !ok || !e.is(key) {
		return false
	}
	// ristretto's Del removes the item at once and queues the removal for its
	// policy; a Set queued earlier cannot resurrect it, since the queue is applied in
	// order (and Set waits for its own insert under this same lock anyway).
	a.rc.Del(key)
	return !e.expiredNow(a.state)
}
