package bench

import (
	"context"
	"errors"
	"testing"
	"time"

	gocache "github.com/eko/gocache/lib/v4/cache"
	"github.com/eko/gocache/lib/v4/marshaler"
	gostore "github.com/eko/gocache/lib/v4/store"
	redisstore "github.com/eko/gocache/store/redis/v4"
	ristrettostore "github.com/eko/gocache/store/ristretto/v4"
	goredis "github.com/redis/go-redis/v9"
)

// TestGocacheRistrettoDrop checks that the gocache subjects ignore the error
// store/ristretto returns for a write ristretto did not apply, and only that
// one. A closed ristretto cache makes every SetWithTTL return false, which
// gives gocache's real error without depending on contention.
func TestGocacheRistrettoDrop(t *testing.T) {
	ctx := context.Background()
	closedRistretto := func(t *testing.T) (gostore.StoreInterface, *gocacheParts) {
		rc, err := newRistretto[[]byte]()
		if err != nil {
			t.Fatal(err)
		}
		rc.Close()
		return ristrettostore.NewRistretto[string, []byte](rc, gostore.WithExpiration(TTL)), &gocacheParts{rc: rc}
	}
	// A Redis that is down: nothing listens on port 1.
	down := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	defer down.Close()
	up, err := newGoredis(env)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	v := Value(Small)

	t.Run("ristretto", func(t *testing.T) {
		l1, parts := closedRistretto(t)
		s := &gocacheSubject{name: "gocache-ristretto", c: gocache.New[[]byte](l1), parts: parts}
		raw := s.c.Set(ctx, "k", v)
		if raw == nil {
			t.Fatal("store/ristretto returned no error for a closed cache: the test no longer tests anything")
		}
		if err := s.Set(ctx, "k", v); err != nil {
			t.Fatalf("Set of a dropped write = %v, want nil", err)
		}
		// The error for another key, or any other error, is not a drop.
		if err := ignoreRistrettoDrop(raw, "other"); err == nil {
			t.Error("the error for key k was ignored for key other")
		}
		if err := ignoreRistrettoDrop(errors.New("boom"), "k"); err == nil {
			t.Error("an unrelated error was ignored")
		}
	})

	chain := func(t *testing.T, rdb *goredis.Client) *gocacheSubject {
		l1, parts := closedRistretto(t)
		l2 := redisstore.NewRedis(rdb, gostore.WithExpiration(TTL))
		c := gocache.NewChain[[]byte](gocache.New[[]byte](l1), gocache.New[[]byte](l2))
		t.Cleanup(func() { _ = c.Close() })
		return &gocacheSubject{name: "gocache-chain", c: c, parts: parts}
	}
	t.Run("chain", func(t *testing.T) {
		if err := chain(t, up).Set(ctx, "wiring:drop:chain", v); err != nil {
			t.Fatalf("Set with a dropped L1 write and Redis up = %v, want nil", err)
		}
		err := chain(t, down).Set(ctx, "wiring:drop:chain", v)
		if err == nil {
			t.Fatal("Set with Redis down returned nil")
		}
		t.Logf("Redis down: %v", err)
	})

	t.Run("typed", func(t *testing.T) {
		rc, err := newRistretto[any]()
		if err != nil {
			t.Fatal(err)
		}
		rc.Close()
		l1 := ristrettostore.NewRistretto[string, any](rc, gostore.WithExpiration(TTL))
		s := &gocacheTyped{name: "gocache-ristretto", m: marshaler.New(gocache.New[any](l1)), parts: &gocacheParts{rc: rc}}
		if err := s.Set(ctx, "k", SampleItem()); err != nil {
			t.Fatalf("typed Set of a dropped write = %v, want nil", err)
		}
		l2 := redisstore.NewRedis(down, gostore.WithExpiration(TTL))
		c := gocache.NewChain[any](gocache.New[any](l1), gocache.New[any](l2))
		defer c.Close()
		s = &gocacheTyped{name: "gocache-chain", m: marshaler.New(c), parts: &gocacheParts{rc: rc}}
		if err := s.Set(ctx, "k", SampleItem()); err == nil {
			t.Fatal("typed chain Set with Redis down returned nil")
		}
	})

	t.Run("redis", func(t *testing.T) {
		s := &gocacheSubject{name: "gocache-redis", c: gocache.New[[]byte](redisstore.NewRedis(down)), parts: &gocacheParts{}}
		if err := s.Set(ctx, "k", v); err == nil {
			t.Fatal("Set with Redis down returned nil")
		}
	})
}
