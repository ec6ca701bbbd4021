// Package mapdriver is a complete third-party Strata driver: a Go map behind a mutex,
// registered for mapcache:// URLs.
package mapdriver

import (
	"context"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/registry"
)

func init() { registry.Register("mapcache", registry.FactoryOf(Open)) }

// Open opens mapcache://, which takes no parameters.
func Open(_ context.Context, u *url.URL) (*Map, error) {
	if err := registry.NewParams(u).Done(); err != nil {
		return nil, err
	}
	return &Map{m: map[string]item{}}, nil
}

// Map is an adapter.Adapter keeping copies of values, with their TTLs, in m (nil
// once closed). It implements no optional capability: strata.Cache loops where needed.
type Map struct {
	mu sync.Mutex
	m  map[string]item
}

type item struct {
	v   []byte
	at  time.Time     // when v was stored or its ttl set
	ttl time.Duration // adapter.NoExpiration: never expires
}

// do runs f under the lock, unless ctx has ended or c is closed.
func (c *Map) do(ctx context.Context, f func() error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := adapter.CheckContext(ctx); err != nil {
		return err
	} else if c.m == nil {
		return adapter.ErrClosed
	}
	return f()
}

// value returns a copy of key's value, or a miss if it is missing or expired.
func (c *Map) value(key string) ([]byte, error) {
	if it, ok := c.m[key]; ok && (it.ttl < 0 || time.Since(it.at) < it.ttl) {
		return slices.Clone(it.v), nil
	}
	return nil, adapter.NotFound(key)
}

// Get returns a copy of key's value.
func (c *Map) Get(ctx context.Context, key string) (v []byte, err error) {
	err = c.do(ctx, func() error { v, err = c.value(key); return err })
	return v, err
}

// Set stores a copy of v under key for ttl.
func (c *Map) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	return c.do(ctx, func() error { c.m[key] = item{slices.Clone(v), time.Now(), ttl}; return nil })
}

// UpdateTimeout gives key a new ttl and returns its value.
func (c *Map) UpdateTimeout(ctx context.Context, key string, ttl time.Duration) (v []byte, err error) {
	err = c.do(ctx, func() error {
		if v, err = c.value(key); err == nil {
			c.m[key] = item{c.m[key].v, time.Now(), ttl}
		}
		return err
	})
	return v, err
}

// Remove deletes keys and reports whether every distinct one was there.
func (c *Map) Remove(ctx context.Context, keys ...string) (all bool, err error) {
	err = c.do(ctx, func() error {
		all = true
		for _, k := range slices.Compact(slices.Sorted(slices.Values(keys))) {
			_, miss := c.value(k)
			all = all && miss == nil
			delete(c.m, k)
		}
		return nil
	})
	return all, err
}

// Close makes every later call return adapter.ErrClosed.
func (c *Map) Close() error { c.mu.Lock(); defer c.mu.Unlock(); c.m = nil; return nil }
