package memory

import (
	"context"

	"github.com/stratacache/strata/adapter"
)

var _ adapter.StaleReader = (*Adapter)(nil)

// GetStale returns a copy of the value under key as Get does, and also a value that
// expired less than Options.Grace ago, with stale true (see adapter.StaleReader).
func (a *Adapter) GetStale(ctx context.Context, key string) ([]byte, bool, error) {
	s, err := a.begin(ctx)
	if err != nil {
		return nil, false, err
	}
	e, ok := a.rc.Get(key)
	if !ok {
		e, ok = a.missed(key)
	}
	a.leave(s)
	if !ok || !e.is(key) {
		return nil, false, adapter.NotFound(key)
	}
	now := a.now()
	switch {
	case !e.expired(now):
		return e.value(), false, nil
	case now < satAdd(e.expiry(), int64(a.grace)):
		return e.value(), true, nil
	}
	return nil, false, adapter.NotFound(key)
}
