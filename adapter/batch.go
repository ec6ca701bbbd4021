package adapter

import (
	"context"
	"errors"
	"time"
)

// GetMany returns the values of the keys that exist, keyed as given; misses are
// omitted. It is one round trip on adapters that implement Batcher.
func (c *Cache[V]) GetMany(ctx context.Context, keys ...string) (map[string]V, error) {
	full, err := c.fullKeys(keys)
	if err != nil {
		return nil, err
	}
	raw, err := c.getMany(ctx, full)
	if err != nil {
		return nil, err
	}
	out := make(map[string]V, len(raw))
	for i, f := range full {
		b, ok := raw[f]
		if !ok {
			continue
		}
		v, err := c.decode(keys[i], b)
		if err != nil {
			return nil, err
		}
		out[keys[i]] = v
	}
	return out, nil
}

func (c *Cache[V]) getMany(ctx context.Context, full []string) (map[string][]byte, error) {
	if len(full) == 0 {
		return map[string][]byte{}, c.checkEmptyCall(ctx)
	}
	if c.batcher != nil {
		return c.batcher.GetMany(ctx, full)
	}
	raw := make(map[string][]byte, len(full))
	for _, f := range full {
		b, err := c.a.Get(ctx, f)
		switch {
		case err == nil:
			raw[f] = b
		case !errors.Is(err, ErrNotFound):
			return nil, err
		}
	}
	return raw, nil
}

// SetMany stores every item for ttl (as for Set). Every value is encoded before any is
// stored, so a value the codec rejects leaves the cache unchanged.
func (c *Cache[V]) SetMany(ctx context.Context, items map[string]V, ttl time.Duration) error {
	ttl, err := c.resolveTTL(ttl)
	if err != nil {
		return err
	}
	enc := make(map[string][]byte, len(items))
	for k, v := range items {
		full, err := c.fullKey(k)
		if err != nil {
			return err
		}
		if enc[full], err = c.encode(k, v); err != nil {
			return err
		}
	}
	if len(enc) == 0 {
		return c.checkEmptyCall(ctx)
	}
	if c.batcher != nil {
		return c.batcher.SetMany(ctx, enc, ttl)
	}
	for k, b := range enc {
		if err := c.a.Set(ctx, k, b, ttl); err != nil {
			return err
		}
	}
	return nil
}
