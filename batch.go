package strata

import (
	"context"
	"errors"
	"time"
)

// GetMany returns the values of the keys that exist, keyed as given; misses are
// omitted, and so are keys cached as absent (Options.NegativeTTL). It is one round
// trip on adapters that implement adapter.Batcher.
//
// A key that cannot be served (its stored bytes do not decode, or the driver could
// not read it) does not fail the others: GetMany returns every value it could read
// together with a *BatchError naming the rest (errors.Is(err, ErrCodec) for bytes
// that do not decode). Any other error means no value was read.
func (c *Cache[V]) GetMany(ctx context.Context, keys ...string) (map[string]V, error) {
	if c.obs != nil {
		return c.getManyObserved(ctx, keys)
	}
	return c.getManyKeys(ctx, keys)
}

func (c *Cache[V]) getManyKeys(ctx context.Context, keys []string) (map[string]V, error) {
	if err := c.ready(ctx); err != nil {
		return nil, err
	}
	full, err := c.fullKeys(keys)
	if err != nil {
		return nil, err
	}
	raw, err := c.getMany(ctx, full)
	var failed map[string]error // by the caller's key
	if err != nil {
		var be *BatchError
		if !errors.As(err, &be) || raw == nil {
			return nil, err
		}
		failed = make(map[string]error, len(be.Errs))
		for i, f := range full {
			if e, ok := be.Errs[f]; ok {
				failed[keys[i]] = rekey(e, f, keys[i])
			}
		}
	}
	out := make(map[string]V, len(raw))
	for i, f := range full {
		b, ok := raw[f]
		if !ok {
			continue
		}
		v, err := c.decode(keys[i], b)
		if err != nil {
			if failed == nil {
				failed = make(map[string]error)
			}
			failed[keys[i]] = err
			continue
		}
		out[keys[i]] = v
	}
	if len(failed) > 0 {
		return out, &BatchError{Errs: failed}
	}
	return out, nil
}

// rekey returns a driver's error for the full key f as the error for the caller's
// key: a KeyError naming f names key instead.
func rekey(err error, f, key string) error {
	var ke *KeyError
	if errors.As(err, &ke) && ke.Key == f && ke == err {
		return &KeyError{Key: key, Err: ke.Err}
	}
	return &KeyError{Key: key, Err: err}
}

func (c *Cache[V]) getMany(ctx context.Context, full []string) (map[string][]byte, error) {
	if len(full) == 0 {
		return map[string][]byte{}, nil
	}
	if c.batcher != nil {
		return c.batcher.GetMany(ctx, full)
	}
	raw := make(map[string][]byte, len(full))
	var failed map[string]error
	for _, f := range full {
		b, err := c.a.Get(ctx, f)
		switch {
		case err == nil:
			raw[f] = b
		case errors.Is(err, ErrNotFound):
		case errors.Is(err, ErrClosed) || errors.Is(err, ErrUnavailable) || ctx.Err() != nil:
			return nil, err // every other key would fail the same way
		default:
			if failed == nil {
				failed = make(map[string]error)
			}
			failed[f] = err
		}
	}
	if failed != nil {
		return raw, &BatchError{Errs: failed}
	}
	return raw, nil
}

// SetMany stores every item for ttl (as for Set). Every value is encoded before any is
// stored, so a value the codec rejects leaves the cache unchanged. With
// Options.NegativeTTL it removes the keys' absence records first, in one more call.
func (c *Cache[V]) SetMany(ctx context.Context, items map[string]V, ttl time.Duration) error {
	if c.obs != nil {
		return c.setManyObserved(ctx, items, ttl)
	}
	return c.setMany(ctx, items, ttl)
}

func (c *Cache[V]) setMany(ctx context.Context, items map[string]V, ttl time.Duration) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
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
		return nil
	}
	if c.neg != nil {
		full := make([]string, 0, len(enc))
		for k := range enc {
			full = append(full, k)
		}
		if err := c.clearAbsences(ctx, full); err != nil {
			return err
		}
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
