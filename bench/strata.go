package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/layered"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/serializer"
)

// Strata subjects: the public API users hold, strata.Cache[V], over each
// driver: Cache[[]byte] with serializer.Raw for the bytes workloads and
// Cache[Item] with serializer.MsgPack for the typed ones.

// MemoryOptions is the drivers/memory configuration of every Strata memory
// subject (and of the L1 of the layered one): room for far more than the 100k
// entries of the Zipf workload, with ten counters per entry as ristretto
// recommends. The raw ristretto subjects use the same numbers.
var MemoryOptions = memory.Options{MaxCost: MemMaxCost, NumCounters: MemCounters}

// The bound and counters of every ristretto-based subject.
const (
	MemMaxCost  = 256 << 20
	MemCounters = 1_000_000
)

type strataSubject[V any] struct {
	name  string
	tier  Tier
	cache *strata.Cache[V]
}

// newStrata wraps a in a Cache[V]. A subject named "…-decode" turns off keeping
// decoded values (Options.DecodeEveryHit): every hit decodes, as the peers' do.
func newStrata[V any](name string, tier Tier, a adapter.Adapter, codec serializer.Codec[V]) *strataSubject[V] {
	return &strataSubject[V]{
		name: name,
		tier: tier,
		cache: strata.New[V](a, &strata.Options[V]{Codec: codec, DefaultTTL: TTL,
			DecodeEveryHit: strings.HasSuffix(name, "-decode")}),
	}
}

func (s *strataSubject[V]) Name() string { return s.name }
func (s *strataSubject[V]) Tier() Tier   { return s.tier }
func (s *strataSubject[V]) Close() error { return s.cache.Close() }

func (s *strataSubject[V]) Get(ctx context.Context, key string) (V, error) {
	v, err := s.cache.Get(ctx, key)
	if errors.Is(err, adapter.ErrNotFound) {
		return v, miss(key)
	}
	return v, err
}

func (s *strataSubject[V]) Set(ctx context.Context, key string, v V) error {
	return s.cache.Set(ctx, key, v, TTL)
}

func (s *strataSubject[V]) GetMany(ctx context.Context, keys []string) (int, error) {
	m, err := s.cache.GetMany(ctx, keys...)
	return len(m), err
}

func (s *strataSubject[V]) GetOrSet(ctx context.Context, key string, load func() (V, error)) (V, error) {
	return s.cache.GetOrSet(ctx, key, TTL, func(context.Context) (V, error) { return load() })
}

func strataRedis[V any](ctx context.Context, url, name string, codec serializer.Codec[V]) (Subject[V], error) {
	a, err := redis.OpenURL(ctx, url)
	if err != nil {
		return nil, err
	}
	return newStrata(name, Remote, a, codec), nil
}

func strataMemory[V any](name string, codec serializer.Codec[V]) (Subject[V], error) {
	opts := MemoryOptions
	a, err := memory.Open(context.Background(), &opts)
	if err != nil {
		return nil, err
	}
	return newStrata(name, Local, a, codec), nil
}

// strataLayered is drivers/layered: a drivers/memory L1 over a drivers/redis L2
// with its own connection, invalidated over pub/sub.
func strataLayered[V any](ctx context.Context, url, name string, codec serializer.Codec[V]) (Subject[V], error) {
	opts := MemoryOptions
	l1, err := memory.Open(context.Background(), &opts)
	if err != nil {
		return nil, err
	}
	l2, err := redis.OpenURL(ctx, url)
	if err != nil {
		_ = l1.Close()
		return nil, err
	}
	a, err := layered.New(l1, l2, &layered.Options{L1TTL: TTL})
	if err != nil {
		_ = l1.Close()
		_ = l2.Close()
		return nil, err
	}
	return newStrata(name, Hybrid, a, codec), nil
}

// The Strata factories.
var (
	StrataRedis = Factory[[]byte]{Name: "strata-redis", Tier: Remote,
		New: func(ctx context.Context, e *Env) (Subject[[]byte], error) {
			return strataRedis(ctx, e.URL(), "strata-redis", serializer.Raw[[]byte]())
		}}
	StrataLayered = Factory[[]byte]{Name: "strata-layered", Tier: Hybrid,
		New: func(ctx context.Context, e *Env) (Subject[[]byte], error) {
			return strataLayered(ctx, e.URL(), "strata-layered", serializer.Raw[[]byte]())
		}}
	StrataMemory = Factory[[]byte]{Name: "strata-memory", Tier: Local,
		New: func(context.Context, *Env) (Subject[[]byte], error) {
			return strataMemory("strata-memory", serializer.Raw[[]byte]())
		}}
	// StrataRedisCluster is strata-redis on the 3-master cluster (GetMany groups
	// keys by hash slot).
	StrataRedisCluster = Factory[[]byte]{Name: "strata-redis-cluster", Tier: Remote,
		New: func(ctx context.Context, e *Env) (Subject[[]byte], error) {
			c, err := e.Cluster()
			if err != nil {
				return nil, err
			}
			return strataRedis(ctx, c.URL(), "strata-redis-cluster", serializer.Raw[[]byte]())
		}}

	TypedStrataRedis = Factory[Item]{Name: "strata-redis", Tier: Remote,
		New: func(ctx context.Context, e *Env) (Subject[Item], error) {
			return strataRedis(ctx, e.URL(), "strata-redis", serializer.MsgPack[Item]())
		}}
	TypedStrataLayered = Factory[Item]{Name: "strata-layered", Tier: Hybrid,
		New: func(ctx context.Context, e *Env) (Subject[Item], error) {
			return strataLayered(ctx, e.URL(), "strata-layered", serializer.MsgPack[Item]())
		}}
	TypedStrataMemory = Factory[Item]{Name: "strata-memory", Tier: Local,
		New: func(context.Context, *Env) (Subject[Item], error) {
			return strataMemory("strata-memory", serializer.MsgPack[Item]())
		}}
	// TypedStrataMemoryDecode decodes on every hit (for a like-for-like view of
	// decoding cost; strata-memory copies a kept decoded value instead).
	TypedStrataMemoryDecode = Factory[Item]{Name: "strata-memory-decode", Tier: Local,
		New: func(context.Context, *Env) (Subject[Item], error) {
			return strataMemory("strata-memory-decode", serializer.MsgPack[Item]())
		}}
)

// strataViewSubject is a Strata Cache[[]byte] read through Cache.View, which
// lends an in-process driver's stored bytes to a callback instead of copying
// them. It wraps another Strata subject's cache, which owns it.
type strataViewSubject struct {
	name string
	s    *strataSubject[[]byte]
}

func (v *strataViewSubject) Name() string { return v.name }
func (v *strataViewSubject) Tier() Tier   { return v.s.tier }

// Close does nothing: the wrapped subject closes the cache.
func (v *strataViewSubject) Close() error { return nil }

func (v *strataViewSubject) Set(ctx context.Context, key string, b []byte) error {
	return v.s.Set(ctx, key, b)
}

// Get copies what View lends (for ensure and the wiring test); the Get workload
// calls View itself.
func (v *strataViewSubject) Get(ctx context.Context, key string) ([]byte, error) {
	var out []byte
	err := v.View(ctx, key, func(b []byte) error {
		out = append([]byte(nil), b...)
		return nil
	})
	return out, err
}

func (v *strataViewSubject) View(ctx context.Context, key string, fn func([]byte) error) error {
	err := v.s.cache.View(ctx, key, fn)
	if errors.Is(err, adapter.ErrNotFound) {
		return miss(key)
	}
	return err
}

// viewOf returns a View subject over the cache of f's (Strata) subject.
func viewOf(ctx context.Context, e *Env, f Factory[[]byte], name string) (Subject[[]byte], error) {
	s, err := Open(ctx, e, f)
	if err != nil {
		return nil, err
	}
	ss, ok := s.(*strataSubject[[]byte])
	if !ok {
		return nil, fmt.Errorf("bench: %s is not a Strata subject", f.Name)
	}
	return &strataViewSubject{name: name, s: ss}, nil
}

// The View factories: strata-memory and strata-layered read through Cache.View.
var (
	StrataMemoryView = Factory[[]byte]{Name: "strata-memory-view", Tier: Local,
		New: func(ctx context.Context, e *Env) (Subject[[]byte], error) {
			return viewOf(ctx, e, StrataMemory, "strata-memory-view")
		}}
	StrataLayeredView = Factory[[]byte]{Name: "strata-layered-view", Tier: Hybrid,
		New: func(ctx context.Context, e *Env) (Subject[[]byte], error) {
			return viewOf(ctx, e, StrataLayered, "strata-layered-view")
		}}
)
