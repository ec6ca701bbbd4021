package strata

import (
	"context"
	"errors"
	"time"
)

// The observed forms of the Cache's calls, taken when c.obs is set: each begins
// an opCall (stripe, sampled clock, span), runs the call as it runs unobserved,
// counts its outcome and ends the opCall.

// getObserved is Get with c.obs. Without tracing it is Get's body again with the
// counting written around it, not a call of it: a memory hit costs about 100ns,
// and the budget for counting it is a tenth of that (docs/observability.md).
func (c *Cache[V]) getObserved(ctx context.Context, key string) (V, error) {
	o := c.obs
	if o.tracer != nil {
		return c.getTraced(ctx, key)
	}
	s := o.stripe()
	var t0 time.Duration
	if o.timeAll || s.timeNext.Load() != 0 {
		t0 = o.clock(s)
	}
	var v V
	err := c.ready(ctx)
	if err == nil {
		var full string
		if full, err = c.fullKey(key); err == nil {
			switch {
			case c.memo != nil:
				v, err = c.getMemo(ctx, key, full)
			case c.viewer != nil:
				v, err = c.getView(ctx, key, full)
			default:
				var b []byte
				if b, err = c.a.Get(ctx, full); err != nil {
					err = c.missed(ctx, err, full, key)
				} else {
					v, err = c.decode(key, b)
				}
			}
		}
	}
	if err == nil {
		if s.n[hitBase+int(opGet)].Add(1)&o.mask == 0 {
			s.timeNext.Store(1)
		}
	} else {
		o.read(s, opGet, err)
	}
	if t0 != 0 {
		o.took(ctx, opGet, t0)
	}
	return v, err
}

// getTraced is Get with c.obs and a span.
func (c *Cache[V]) getTraced(ctx context.Context, key string) (V, error) {
	o := c.obs
	ctx, oc := o.begin(ctx, opGet)
	o.spanKey(oc.span, key)
	v, err := c.getChecked(ctx, key)
	o.read(oc.s, opGet, err)
	spanHit(oc.span, err)
	o.end(ctx, oc, opGet, err)
	return v, err
}

// getChecked is Get, unobserved.
func (c *Cache[V]) getChecked(ctx context.Context, key string) (V, error) {
	if err := c.ready(ctx); err != nil {
		var zero V
		return zero, err
	}
	full, err := c.fullKey(key)
	if err != nil {
		var zero V
		return zero, err
	}
	return c.get(ctx, key, full)
}

// setObserved is Set with c.obs.
func (c *Cache[V]) setObserved(ctx context.Context, key string, v V, ttl time.Duration) error {
	o := c.obs
	ctx, oc := o.begin(ctx, opSet)
	o.spanKey(oc.span, key)
	_, err := c.set(ctx, key, v, ttl, true)
	if err == nil {
		o.add(oc.s, setIndex(opSet))
	} else {
		o.fail(opSet, err)
	}
	o.end(ctx, oc, opSet, err)
	return err
}

// removeObserved is Remove with c.obs.
func (c *Cache[V]) removeObserved(ctx context.Context, keys []string) (bool, error) {
	o := c.obs
	ctx, oc := o.begin(ctx, opRemove)
	o.spanKeys(oc.span, keys)
	ok, err := c.remove(ctx, keys)
	if err == nil {
		o.addN(oc.s, removed, len(keys))
	} else {
		o.fail(opRemove, err)
	}
	o.end(ctx, oc, opRemove, err)
	return ok, err
}

// updateTimeoutObserved is UpdateTimeout with c.obs. Its misses are neither hits
// nor misses of a read, nor errors.
func (c *Cache[V]) updateTimeoutObserved(ctx context.Context, key string, ttl time.Duration) (V, error) {
	o := c.obs
	ctx, oc := o.begin(ctx, opUpdateTimeout)
	o.spanKey(oc.span, key)
	v, err := c.updateTimeout(ctx, key, ttl)
	o.fail(opUpdateTimeout, err)
	spanHit(oc.span, err)
	o.end(ctx, oc, opUpdateTimeout, err)
	return v, err
}

// getManyObserved is GetMany with c.obs: each key as given counts a hit when its
// value was returned, a miss when it was not and did not fail.
func (c *Cache[V]) getManyObserved(ctx context.Context, keys []string) (map[string]V, error) {
	o := c.obs
	ctx, oc := o.begin(ctx, opGetMany)
	o.spanKeys(oc.span, keys)
	out, err := c.getManyKeys(ctx, keys)
	var failed map[string]error
	if err != nil {
		var be *BatchError
		if errors.As(err, &be) && out != nil {
			failed = be.Errs
		}
		o.failBatch(opGetMany, err)
	}
	if err == nil || failed != nil {
		hits, misses := 0, 0
		for _, k := range keys {
			if _, ok := out[k]; ok {
				hits++
			} else if _, bad := failed[k]; !bad {
				misses++
			}
		}
		o.addN(oc.s, hitBase+int(opGetMany), hits)
		o.addN(oc.s, missBase+int(opGetMany), misses)
		if oc.span != nil {
			spanCounts(oc.span, hits, misses)
		}
	}
	o.end(ctx, oc, opGetMany, err)
	return out, err
}

// setManyObserved is SetMany with c.obs.
func (c *Cache[V]) setManyObserved(ctx context.Context, items map[string]V, ttl time.Duration) error {
	o := c.obs
	ctx, oc := o.begin(ctx, opSetMany)
	if oc.span != nil {
		keys := make([]string, 0, len(items))
		for k := range items {
			keys = append(keys, k)
		}
		o.spanKeys(oc.span, keys)
	}
	err := c.setMany(ctx, items, ttl)
	if err == nil {
		o.addN(oc.s, setIndex(opSetMany), len(items))
	} else {
		o.fail(opSetMany, err)
	}
	o.end(ctx, oc, opSetMany, err)
	return err
}

// clearObserved is Clear with c.obs.
func (c *Cache[V]) clearObserved(ctx context.Context) error {
	o := c.obs
	ctx, oc := o.begin(ctx, opClear)
	err := c.clear(ctx)
	o.fail(opClear, err)
	o.end(ctx, oc, opClear, err)
	return err
}

// getOrSetObserved is GetOrSet with c.obs: GetOrSet's checks and read again, the
// read counted, then await as GetOrSet does. await and load count what they load
// and store (see stored, loaded); the error GetOrSet returns may be the loader's,
// which is no cache error.
func (c *Cache[V]) getOrSetObserved(ctx context.Context, key string, ttl time.Duration, load func(context.Context) (V, error)) (V, error) {
	o := c.obs
	ctx, oc := o.begin(ctx, opGetOrSet)
	o.spanKey(oc.span, key)
	v, err := c.getOrSetCounted(ctx, oc, key, ttl, load)
	if err != nil && errors.Is(err, ErrStale) {
		o.stale.Add(1)
	}
	o.end(ctx, oc, opGetOrSet, err)
	return v, err
}

// getOrSetCounted is GetOrSet's checks and read, counted in oc, then await.
func (c *Cache[V]) getOrSetCounted(ctx context.Context, oc opCall, key string, ttl time.Duration, load func(context.Context) (V, error)) (V, error) {
	full, err := c.getOrSetKey(ctx, key, ttl, load)
	if err != nil {
		var zero V
		return zero, err
	}
	landed := c.landed.Load()
	v, readErr := c.get(ctx, key, full)
	c.obs.read(oc.s, opGetOrSet, readErr)
	spanHit(oc.span, readErr)
	if readErr == nil {
		return v, nil
	}
	return c.await(ctx, key, full, ttl, load, readErr, landed)
}

// stored counts the outcome of GetOrSet's store of a loaded value.
func (o *observer) stored(err error) {
	if err == nil {
		o.add(o.stripe(), setIndex(opGetOrSet))
		return
	}
	o.fail(opGetOrSet, err)
}

// loaded counts a GetOrSet loader call that began at t0 and returned err, in the
// load's ctx. A loader's ErrNotFound is an answer (see Options.NegativeTTL), and a
// load Close cancelled no failure of the loader's.
func (o *observer) loaded(ctx context.Context, t0 time.Time, err error) {
	if o.inst != nil {
		o.inst.loadDuration.Record(ctx, time.Since(t0).Seconds(), o.inst.recLoad...)
	}
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(context.Cause(ctx), ErrClosed) {
		o.loadErrors.Add(1)
	}
}
