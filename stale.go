package strata

import (
	"context"
	"errors"
	"fmt"

	"github.com/stratacache/strata/adapter"
)

// ErrStale is wrapped by GetOrSet's error when the loader failed and GetOrSet
// returned, instead of nothing, the value that expired less than the driver's grace
// period ago (stale-if-error). The value returned with it is usable; the error also
// wraps the loader's:
//
//	v, err := users.GetOrSet(ctx, id, time.Minute, loadUser)
//	if errors.Is(err, strata.ErrStale) {
//		// v is the last known value: serve it, and perhaps say it may be outdated
//	}
var ErrStale = errors.New("strata: stale value served (the loader failed)")

// OpStale is the Options.OnError operation reported when GetOrSet answered with a
// stale value because the loader failed; the error is the loader's.
const OpStale = "stale"

// serveStale is stale-if-error for the flight cl, whose loader failed with
// loadErr: when the driver keeps expired values for a grace period
// (adapter.StaleReader) and still holds one for full that this cache can decode,
// every waiter gets it with an error wrapping ErrStale and loadErr. It reports
// whether it did.
func (c *Cache[V]) serveStale(ctx context.Context, key, full string, cl *call[V], loadErr error) bool {
	r, ok := c.a.(adapter.StaleReader)
	if !ok || errors.Is(loadErr, ErrNotFound) {
		return false // nothing kept past expiry, or the loader says the key is gone
	}
	b, _, err := r.GetStale(ctx, full)
	if err != nil {
		return false
	}
	v, err := c.codec.Unmarshal(b)
	if err != nil {
		return false
	}
	c.report(OpStale, key, loadErr)
	cl.val, cl.enc = v, b
	cl.err = &KeyError{Key: key, Err: fmt.Errorf("%w: %w", ErrStale, loadErr)}
	return true
}
