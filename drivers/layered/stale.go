package layered

import (
	"context"
	"errors"

	"github.com/stratacache/strata/adapter"
)

var _ adapter.StaleReader = (*Adapter)(nil)

// GetStale returns the value under key as Get does, or a value that expired less
// than L2's grace period ago, with stale true (see adapter.StaleReader). An L1 hit
// is never stale: L1 keeps a value no longer than L2's live TTL. Otherwise L2 is
// asked, through its own GetStale; an L2 without adapter.StaleReader keeps nothing
// past expiry, and its answer is Get's. Nothing is written back to L1.
func (a *Adapter) GetStale(ctx context.Context, key string) ([]byte, bool, error) {
	if err := a.begin(ctx); err != nil {
		return nil, false, err
	}
	if a.healthy.Load() {
		if v, err := a.l1.Get(ctx, key); err == nil {
			a.l1Hit()
			return v, false, nil
		}
		a.l1Miss()
	}
	var (
		v     []byte
		stale bool
		err   error
	)
	if r, ok := a.l2.(adapter.StaleReader); ok {
		v, stale, err = r.GetStale(ctx, key)
	} else {
		v, err = a.l2.Get(ctx, key)
	}
	if err == nil || errors.Is(err, adapter.ErrNotFound) {
		a.l2Read(err == nil)
	}
	return v, stale, err
}
