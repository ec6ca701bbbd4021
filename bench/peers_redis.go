package bench

import (
	"context"
	"errors"
	"time"

	gocache "github.com/go-redis/cache/v9"
	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"

	"github.com/stratacache/strata/drivers/redis"
)

// goredisOptions returns the go-redis options Strata's redis.Open derives from
// the server's URL, so raw go-redis and the libraries built on it use exactly
// the client configuration strata-redis uses.
func goredisOptions(url string) (*goredis.Options, error) {
	cfg, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	if cfg.Standalone == nil {
		return nil, errors.New("bench: not a standalone URL")
	}
	return cfg.Standalone, nil
}

func newGoredis(e *Env) (*goredis.Client, error) {
	opts, err := goredisOptions(e.URL())
	if err != nil {
		return nil, err
	}
	return goredis.NewClient(opts), nil
}

// goredisCmds is the part of go-redis both *Client and *AutoPipeliner offer.
type goredisCmds interface {
	Get(ctx context.Context, key string) *goredis.StringCmd
	Set(ctx context.Context, key string, value any, expiration time.Duration) *goredis.StatusCmd
	MGet(ctx context.Context, keys ...string) *goredis.SliceCmd
}

// goredisSubject is go-redis v9 used directly: GET, SET PX, MGET.
type goredisSubject struct {
	name  string
	cmds  goredisCmds
	close func() error
}

func (s *goredisSubject) Name() string { return s.name }
func (s *goredisSubject) Tier() Tier   { return Remote }
func (s *goredisSubject) Close() error { return s.close() }

func (s *goredisSubject) Get(ctx context.Context, key string) ([]byte, error) {
	b, err := s.cmds.Get(ctx, key).Bytes()
	if err == goredis.Nil {
		return nil, miss(key)
	}
	return b, err
}

func (s *goredisSubject) Set(ctx context.Context, key string, v []byte) error {
	return s.cmds.Set(ctx, key, v, TTL).Err()
}

// GetMany is one MGET; values are used as go-redis returns them (strings).
func (s *goredisSubject) GetMany(ctx context.Context, keys []string) (int, error) {
	vals, err := s.cmds.MGet(ctx, keys...).Result()
	n := 0
	for _, v := range vals {
		if v != nil {
			n++
		}
	}
	return n, err
}

// newGoredisAutoPipe is go-redis' blocking auto-pipeliner with cfg (nil: its
// defaults).
func newGoredisAutoPipe(e *Env, name string, cfg *goredis.AutoPipelineOptions) (*goredisSubject, error) {
	rdb, err := newGoredis(e)
	if err != nil {
		return nil, err
	}
	ap, err := rdb.AutoPipelineWithOptions(cfg)
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	return &goredisSubject{name: name, cmds: ap, close: func() error {
		return errors.Join(ap.Close(), rdb.Close())
	}}, nil
}

// rueidisSubject is rueidis used directly (Do), or with client-side caching
// (DoCache: server-assisted, invalidated by RESP3 tracking).
type rueidisSubject struct {
	name    string
	c       rueidis.Client
	cache   bool
	cluster bool
}

func newRueidis(name string, addrs []string, cache, cluster bool) (*rueidisSubject, error) {
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: addrs, DisableCache: !cache})
	if err != nil {
		return nil, err
	}
	return &rueidisSubject{name: name, c: c, cache: cache, cluster: cluster}, nil
}

func (s *rueidisSubject) Name() string { return s.name }
func (s *rueidisSubject) Close() error { s.c.Close(); return nil }

func (s *rueidisSubject) Tier() Tier {
	if s.cache {
		return Hybrid
	}
	return Remote
}

func (s *rueidisSubject) Get(ctx context.Context, key string) ([]byte, error) {
	var r rueidis.RedisResult
	if s.cache {
		r = s.c.DoCache(ctx, s.c.B().Get().Key(key).Cache(), TTL)
	} else {
		r = s.c.Do(ctx, s.c.B().Get().Key(key).Build())
	}
	b, err := r.AsBytes()
	if rueidis.IsRedisNil(err) {
		return nil, miss(key)
	}
	return b, err
}

func (s *rueidisSubject) Set(ctx context.Context, key string, v []byte) error {
	return s.c.Do(ctx, s.c.B().Set().Key(key).Value(rueidis.BinaryString(v)).Px(TTL).Build()).Error()
}

// GetMany is one MGET (standalone), rueidis.MGet (cluster: one MGET per slot)
// or rueidis.MGetCache (client-side cache, misses fetched in one pipeline).
// Values are left as rueidis returns them.
func (s *rueidisSubject) GetMany(ctx context.Context, keys []string) (int, error) {
	if s.cache || s.cluster {
		var m map[string]rueidis.RedisMessage
		var err error
		if s.cache {
			m, err = rueidis.MGetCache(s.c, ctx, TTL, keys)
		} else {
			m, err = rueidis.MGet(s.c, ctx, keys)
		}
		n := 0
		for _, v := range m {
			if !v.IsNil() {
				n++
			}
		}
		return n, err
	}
	arr, err := s.c.Do(ctx, s.c.B().Mget().Key(keys...).Build()).ToArray()
	n := 0
	for _, v := range arr {
		if !v.IsNil() {
			n++
		}
	}
	return n, err
}

// goredisCacheSubject is github.com/go-redis/cache/v9 over go-redis with its
// local TinyLFU cache in front (no cross-process invalidation). []byte values
// are stored as given; others are msgpack-encoded (and s2-compressed from 64
// bytes), as the library does.
type goredisCacheSubject[V any] struct {
	name string
	c    *gocache.Cache
	rdb  *goredis.Client
}

func newGoredisCache[V any](e *Env, name string) (Subject[V], error) {
	rdb, err := newGoredis(e)
	if err != nil {
		return nil, err
	}
	c := gocache.New(&gocache.Options{
		Redis:      rdb,
		LocalCache: gocache.NewTinyLFU(ZipfKeys, TTL),
	})
	return &goredisCacheSubject[V]{name: name, c: c, rdb: rdb}, nil
}

func (s *goredisCacheSubject[V]) Name() string { return s.name }
func (s *goredisCacheSubject[V]) Tier() Tier   { return Hybrid }
func (s *goredisCacheSubject[V]) Close() error { return s.rdb.Close() }

func (s *goredisCacheSubject[V]) Get(ctx context.Context, key string) (V, error) {
	var v V
	err := s.c.Get(ctx, key, &v)
	if errors.Is(err, gocache.ErrCacheMiss) {
		return v, miss(key)
	}
	return v, err
}

func (s *goredisCacheSubject[V]) Set(ctx context.Context, key string, v V) error {
	return s.c.Set(&gocache.Item{Ctx: ctx, Key: key, Value: v, TTL: TTL})
}

func (s *goredisCacheSubject[V]) GetOrSet(ctx context.Context, key string, load func() (V, error)) (V, error) {
	var v V
	err := s.c.Once(&gocache.Item{Ctx: ctx, Key: key, Value: &v, TTL: TTL,
		Do: func(*gocache.Item) (any, error) { return load() }})
	return v, err
}

// The factories of the peers on Redis.
var (
	Goredis = Factory[[]byte]{Name: "goredis", Tier: Remote,
		New: func(_ context.Context, e *Env) (Subject[[]byte], error) {
			rdb, err := newGoredis(e)
			if err != nil {
				return nil, err
			}
			return &goredisSubject{name: "goredis", cmds: rdb, close: rdb.Close}, nil
		}}
	// GoredisAutoPipeline is go-redis v9.23's blocking auto-pipeliner
	// (Client.AutoPipeline, experimental): concurrent callers' commands are
	// batched into pipelines.
	GoredisAutoPipeline = Factory[[]byte]{Name: "goredis-autopipe", Tier: Remote,
		New: func(_ context.Context, e *Env) (Subject[[]byte], error) {
			return newGoredisAutoPipe(e, "goredis-autopipe", nil)
		}}
	// GoredisFullDuplex is the same with AutoPipelineOptions.FullDuplex: one
	// held connection, a writer and a reader goroutine streaming commands
	// without waiting for earlier replies.
	GoredisFullDuplex = Factory[[]byte]{Name: "goredis-fd", Tier: Remote,
		New: func(_ context.Context, e *Env) (Subject[[]byte], error) {
			return newGoredisAutoPipe(e, "goredis-fd", &goredis.AutoPipelineOptions{FullDuplex: true})
		}}
	Rueidis = Factory[[]byte]{Name: "rueidis", Tier: Remote,
		New: func(_ context.Context, e *Env) (Subject[[]byte], error) {
			return newRueidis("rueidis", []string{e.Addr()}, false, false)
		}}
	RueidisCache = Factory[[]byte]{Name: "rueidis-cache", Tier: Hybrid,
		New: func(_ context.Context, e *Env) (Subject[[]byte], error) {
			return newRueidis("rueidis-cache", []string{e.Addr()}, true, false)
		}}
	RueidisCluster = Factory[[]byte]{Name: "rueidis-cluster", Tier: Remote,
		New: func(_ context.Context, e *Env) (Subject[[]byte], error) {
			c, err := e.Cluster()
			if err != nil {
				return nil, err
			}
			return newRueidis("rueidis-cluster", c.Addrs(), false, true)
		}}
	GoredisCache = Factory[[]byte]{Name: "goredis-cache", Tier: Hybrid,
		New: func(_ context.Context, e *Env) (Subject[[]byte], error) {
			return newGoredisCache[[]byte](e, "goredis-cache")
		}}
	TypedGoredisCache = Factory[Item]{Name: "goredis-cache", Tier: Hybrid,
		New: func(_ context.Context, e *Env) (Subject[Item], error) {
			return newGoredisCache[Item](e, "goredis-cache")
		}}
)
