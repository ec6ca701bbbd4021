package strata

import (
	"context"
	"errors"
	"fmt"

	"github.com/stratacache/strata/adapter"
)

// Clear removes every key of the cache's namespace: every key that starts with
// Options.Prefix, within the driver's own namespace (such as a Redis URL's prefix=).
// Other caches on the same backend with other prefixes keep their keys, and over a
// layered driver every process sharing the namespace drops the cleared keys from its
// in-process layer. A cache without a prefix clears everything its driver holds
// (drivers/redis refuses that without a driver prefix unless told otherwise).
//
// The driver must implement adapter.Clearer (every built-in driver does); otherwise
// Clear returns an error wrapping errors.ErrUnsupported. Keys written while Clear runs
// may survive it. After Close it returns ErrClosed.
func (c *Cache[V]) Clear(ctx context.Context) error {
	if c.obs != nil {
		return c.clearObserved(ctx)
	}
	return c.clear(ctx)
}

func (c *Cache[V]) clear(ctx context.Context) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	cl, ok := c.a.(adapter.Clearer)
	if !ok {
		return fmt.Errorf("strata: Clear: the driver (%T) does not implement adapter.Clearer: %w", c.a, errors.ErrUnsupported)
	}
	return cl.Clear(ctx, c.prefix)
}
