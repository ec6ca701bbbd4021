package strata_test

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/layered"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// staleCase runs GetOrSet on a key stored for 1s, after wait, with a loader that
// fails with loadErr, over a memory driver with grace; it returns what GetOrSet
// returned and the OnError operations reported.
func staleCase(t *testing.T, grace, wait time.Duration, loadErr error) (string, error, []string) {
	t.Helper()
	ctx := context.Background()
	a, err := memory.Open(ctx, &memory.Options{Grace: grace})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ops []string
	c := strata.New(a, &strata.Options[string]{OnError: func(op, _ string, _ error) {
		mu.Lock()
		defer mu.Unlock()
		ops = append(ops, op)
	}})
	defer c.Close()
	if err := c.Set(ctx, "k", "last known", time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(wait) // fake time: the test runs in a synctest bubble
	v, err := c.GetOrSet(ctx, "k", time.Minute, func(context.Context) (string, error) { return "", loadErr })
	mu.Lock()
	defer mu.Unlock()
	return v, err, ops
}

func TestGetOrSetServesStaleIfTheLoaderFails(t *testing.T) {
	boom := errors.New("database down")
	synctest.Test(t, func(t *testing.T) {
		v, err, ops := staleCase(t, 10*time.Second, 3*time.Second, boom)
		if v != "last known" || !errors.Is(err, strata.ErrStale) || !errors.Is(err, boom) {
			t.Errorf("within grace: GetOrSet = %q, %v; want the expired value with an error wrapping ErrStale and the loader's", v, err)
		}
		if len(ops) != 1 || ops[0] != strata.OpStale {
			t.Errorf("OnError heard %v, want [%s]", ops, strata.OpStale)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		v, err, _ := staleCase(t, 10*time.Second, 12*time.Second, boom)
		if v != "" || errors.Is(err, strata.ErrStale) || !errors.Is(err, boom) {
			t.Errorf("past grace: GetOrSet = %q, %v; want the loader's error alone", v, err)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		v, err, _ := staleCase(t, 0, 3*time.Second, boom)
		if v != "" || errors.Is(err, strata.ErrStale) || !errors.Is(err, boom) {
			t.Errorf("without grace: GetOrSet = %q, %v; want the loader's error alone", v, err)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		v, err, _ := staleCase(t, 10*time.Second, 3*time.Second, strata.ErrNotFound)
		if v != "" || errors.Is(err, strata.ErrStale) || !errors.Is(err, strata.ErrNotFound) {
			t.Errorf("loader says not found: GetOrSet = %q, %v; want ErrNotFound and no stale value", v, err)
		}
	})
}

// TestGetOrSetServesStaleOverRedis: stale-if-error on real servers, over redis and
// layered (memory over redis) with grace=, where expiry is Redis' and the grace
// header's, not the memory driver's.
func TestGetOrSetServesStaleOverRedis(t *testing.T) {
	serverURL, prefix := redistest.ServerURL(t)
	boom := errors.New("database down")
	openRedis := func(t *testing.T, name string) *redis.Adapter {
		r, err := redis.OpenURL(context.Background(), withQuery(serverURL, "grace=30s&prefix="+url.QueryEscape(prefix+name+":")))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, tc := range []struct {
		name string
		open func(t *testing.T) adapter.Adapter
	}{
		{"redis", func(t *testing.T) adapter.Adapter { return openRedis(t, "redis") }},
		{"layered", func(t *testing.T) adapter.Adapter {
			m, err := memory.Open(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			l, err := layered.New(m, openRedis(t, "layered"), nil)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			c := strata.New[string](tc.open(t), nil)
			defer c.Close()
			if err := c.Set(ctx, "k", "last known", 100*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for _, err := c.Get(ctx, "k"); !errors.Is(err, strata.ErrNotFound); _, err = c.Get(ctx, "k") {
				if time.Now().After(deadline) {
					t.Fatalf("the key did not expire: %v", err)
				}
				time.Sleep(20 * time.Millisecond) // real servers: wait for real expiry
			}
			v, err := c.GetOrSet(ctx, "k", time.Minute, func(context.Context) (string, error) { return "", boom })
			if v != "last known" || !errors.Is(err, strata.ErrStale) || !errors.Is(err, boom) {
				t.Errorf("GetOrSet = %q, %v; want the expired value with ErrStale and the loader's error", v, err)
			}
			v, err = c.GetOrSet(ctx, "k", time.Minute, func(context.Context) (string, error) { return "fresh", nil })
			if v != "fresh" || err != nil {
				t.Errorf("once the loader works: GetOrSet = %q, %v", v, err)
			}
		})
	}
}
