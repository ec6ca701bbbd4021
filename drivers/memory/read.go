package memory

import (
	"context"
	"time"

	"github.com/stratacache/strata/adapter"
)

// Get returns a copy of the value stored under key, or an error wrapping
// adapter.ErrNotFound when it is missing, expired or evicted. It takes no lock.
func (a *Adapter) Get(ctx context.Context, key string) ([]byte, error) {
	// begin's checks, written out: begin is too large to inline, and a hit costs
	// about a hundred nanoseconds.
	if ctx.Err() != nil {
		return nil, adapter.CheckContext(ctx)
	}
	s := a.enter()
	if s == nil {
		return nil, errClosed
	}
	e, ok := a.rc.Get(key)
	if !ok {
		e, ok = a.missed(key)
	}
	a.leave(s)
	if !ok || !e.is(key) || e.expiredNow(a.state) {
		return nil, adapter.NotFound(key)
	}
	return e.value(), nil
}

// View calls fn with the value stored under key, without copying it (see
// fastpath.Viewer): stored entries are never modified, so the bytes fn sees stay as
// they are while it runs, whatever other goroutines write. fn must not modify them
// nor keep them. Errors are those of Get; fn's error is returned as it is.
func (a *Adapter) View(ctx context.Context, key string, fn func(value []byte) error) error {
	if ctx.Err() != nil {
		return adapter.CheckContext(ctx)
	}
	s := a.enter()
	if s == nil {
		return errClosed
	}
	e, ok := a.rc.Get(key)
	if !ok {
		e, ok = a.missed(key)
	}
	a.leave(s)
	if !ok || !e.is(key) || e.expiredNow(a.state) {
		return adapter.NotFound(key)
	}
	return fn(e.view())
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
	e, ok := a.rc.Get(key)
	if !ok {
		e, ok = a.missed(key)
	}
	a.leave(s)
	if !ok || !e.is(key) {
		return nil, 0, adapter.NotFound(key)
	}
	x := e.expiry()
	if x == 0 {
		return e.value(), adapter.NoExpiration, nil
	}
	left := x - a.now()
	if left <= 0 {
		return nil, 0, adapter.NotFound(key)
	}
	return e.value(), time.Duration(left), nil
}

// GetMany returns copies of the values of the keys that are present; misses are
// omitted.
func (a *Adapter) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	if err := adapter.CheckContext(ctx); err != nil {
		return nil, err
	}
	s := a.enter()
	if s == nil {
		return nil, errClosed
	}
	defer a.leave(s)
	now := a.now()
	out := make(map[string][]byte, len(keys))
	for _, k := range keys {
		e, ok := a.rc.Get(k)
		if !ok {
			e, ok = a.missed(k)
		}
		if ok && e.is(k) && !e.expired(now) {
			out[k] = e.value()
		}
	}
	return out, nil
}
