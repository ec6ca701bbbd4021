package strata_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/serializer"
)

func newMemory(t *testing.T) *memory.Adapter {
	t.Helper()
	m, err := memory.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestNilAdapterGivesErrorsNotPanics(t *testing.T) {
	c := strata.New[string](nil, nil)
	ctx := context.Background()
	if _, err := c.Get(ctx, "k"); !errors.Is(err, strata.ErrClosed) {
		t.Errorf("Get = %v", err)
	}
	if err := c.Set(ctx, "k", "v", strata.DefaultTTL); !errors.Is(err, strata.ErrClosed) {
		t.Errorf("Set = %v", err)
	}
	if _, err := c.GetOrSet(ctx, "k", 0, func(context.Context) (string, error) { return "v", nil }); !errors.Is(err, strata.ErrClosed) {
		t.Errorf("GetOrSet = %v", err)
	}
}

func TestPrefixIsAppliedAndKeysCheckedBeforeIt(t *testing.T) {
	ctx := context.Background()
	m := newMemory(t)
	c := strata.New(m, &strata.Options[string]{Prefix: "users:", Codec: serializer.Raw[string]()})
	if err := c.Set(ctx, "42", "ada", strata.DefaultTTL); err != nil {
		t.Fatal(err)
	}
	b, err := m.Get(ctx, "users:42")
	if err != nil || string(b) != "ada" {
		t.Fatalf("adapter Get(users:42) = %q, %v", b, err)
	}
	if err := c.Set(ctx, "", "x", strata.DefaultTTL); !errors.Is(err, strata.ErrInvalidKey) {
		t.Fatalf("empty key with a prefix: %v", err)
	}
}

func TestInvalidDefaultTTLIsReportedOnUse(t *testing.T) {
	c := strata.New(newMemory(t), &strata.Options[string]{DefaultTTL: -time.Second})
	err := c.Set(context.Background(), "k", "v", strata.DefaultTTL)
	if !errors.Is(err, strata.ErrInvalidTTL) || !strings.Contains(err.Error(), "Options.DefaultTTL") {
		t.Fatalf("Set = %v", err)
	}
}

func TestDefaultTTLNoExpirationOption(t *testing.T) {
	ctx := context.Background()
	m := newMemory(t)
	c := strata.New(m, &strata.Options[string]{DefaultTTL: strata.NoExpiration})
	if err := c.Set(ctx, "k", "v", strata.DefaultTTL); err != nil {
		t.Fatal(err)
	}
	_, ttl, err := m.GetWithTTL(ctx, "k")
	if err != nil || ttl != strata.NoExpiration {
		t.Fatalf("GetWithTTL = %v, %v; want NoExpiration", ttl, err)
	}
}

func TestCodecIsChosenAtNew(t *testing.T) {
	defer serializer.SetDefault("msgpack")
	if err := serializer.SetDefault("json"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m := newMemory(t)
	c := strata.New[map[string]int](m, nil)
	if err := serializer.SetDefault("gob"); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "k", map[string]int{"a": 1}, strata.DefaultTTL); err != nil {
		t.Fatal(err)
	}
	b, _ := m.Get(ctx, "k")
	if _, err := serializer.JSON[map[string]int]().Unmarshal(b); err != nil {
		t.Fatalf("value was not written by the JSON codec chosen at New: %v", err)
	}
}

func TestGetOrSetNilLoader(t *testing.T) {
	c := strata.New[string](newMemory(t), nil)
	if _, err := c.GetOrSet(context.Background(), "k", 0, nil); err == nil {
		t.Fatal("nil loader accepted")
	}
}

func TestGetOrSetLoadTimeoutBoundsTheLoader(t *testing.T) {
	c := strata.New(newMemory(t), &strata.Options[string]{LoadTimeout: 20 * time.Millisecond})
	_, err := c.GetOrSet(context.Background(), "k", 0, func(ctx context.Context) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("GetOrSet = %v, want DeadlineExceeded from the loader", err)
	}
}

// storeFails wraps a real adapter and fails every Set, as a Redis that went down
// between the miss and the store would.
type storeFails struct{ adapter.Adapter }

var errDown = errors.New("backend down")

func (storeFails) Set(context.Context, string, []byte, time.Duration) error { return errDown }

// TestGetOrSetStoreFailure: by default a store that fails costs the caller nothing
// (the value, a nil error; OnError hears of it, once, and the store is not retried);
// under ReturnCacheError the store's error comes with the value.
func TestGetOrSetStoreFailure(t *testing.T) {
	for _, policy := range []strata.FailurePolicy{strata.LoadOnCacheError, strata.ReturnCacheError} {
		s := &storeCounter{Adapter: storeFails{newMemory(t)}}
		var reports []string
		c := strata.New[string](s, &strata.Options[string]{
			FailurePolicy: policy,
			OnError: func(op, key string, err error) {
				reports = append(reports, fmt.Sprintf("%s %s %v", op, key, errors.Is(err, errDown)))
			},
		})
		var loads atomic.Int32
		v, err := c.GetOrSet(context.Background(), "k", 0, func(context.Context) (string, error) {
			loads.Add(1)
			return "fresh", nil
		})
		if v != "fresh" || loads.Load() != 1 || s.sets.Load() != 1 {
			t.Fatalf("policy %d: GetOrSet = %q, %v after %d loads, %d stores", policy, v, err, loads.Load(), s.sets.Load())
		}
		if policy == strata.ReturnCacheError {
			if !errors.Is(err, errDown) || len(reports) != 0 {
				t.Fatalf("ReturnCacheError: err %v (want errDown), reports %q (want none)", err, reports)
			}
			continue
		}
		if err != nil || !slices.Equal(reports, []string{strata.OpStore + " k true"}) {
			t.Fatalf("LoadOnCacheError: err %v (want nil), reports %q (want one store of k)", err, reports)
		}
	}
}

// storeCounter counts the Sets that reach the adapter inside.
type storeCounter struct {
	adapter.Adapter
	sets atomic.Int32
}

func (s *storeCounter) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	s.sets.Add(1)
	return s.Adapter.Set(ctx, key, value, ttl)
}

func TestSetManyEncodesEverythingFirst(t *testing.T) {
	ctx := context.Background()
	m := newMemory(t)
	type T struct{ C chan int }
	c := strata.New(m, &strata.Options[T]{Codec: serializer.JSON[T]()})
	err := c.SetMany(ctx, map[string]T{"a": {}, "b": {C: make(chan int)}}, strata.DefaultTTL)
	if !errors.Is(err, strata.ErrCodec) {
		t.Fatalf("SetMany = %v, want ErrCodec", err)
	}
	if _, err := m.Get(ctx, "a"); !errors.Is(err, strata.ErrNotFound) {
		t.Fatalf("a was stored although b failed to encode: %v", err)
	}
}

func TestGetOrSetLoaderGoexitIsNotAValue(t *testing.T) {
	c := strata.New[string](newMemory(t), nil)
	_, err := c.GetOrSet(context.Background(), "k", 0, func(context.Context) (string, error) {
		runtime.Goexit()
		return "never", nil
	})
	if !errors.Is(err, strata.ErrLoaderPanicked) {
		t.Fatalf("GetOrSet = %v, want ErrLoaderPanicked", err)
	}
}

func TestEmptyCallsAfterCloseReportClosed(t *testing.T) {
	ctx := context.Background()
	c := strata.New[string](newMemory(t), nil)
	c.Close()
	if _, err := c.Remove(ctx); !errors.Is(err, strata.ErrClosed) {
		t.Errorf("Remove() = %v", err)
	}
	if _, err := c.GetMany(ctx); !errors.Is(err, strata.ErrClosed) {
		t.Errorf("GetMany() = %v", err)
	}
	if err := c.SetMany(ctx, nil, 0); !errors.Is(err, strata.ErrClosed) {
		t.Errorf("SetMany(nil) = %v", err)
	}
}

func TestPrefixedKeyLongerThanMaxIsInvalid(t *testing.T) {
	c := strata.New(newMemory(t), &strata.Options[string]{Prefix: "p:"})
	err := c.Set(context.Background(), strings.Repeat("k", adapter.MaxKeyLen), "v", 0)
	if !errors.Is(err, strata.ErrInvalidKey) || !strings.Contains(err.Error(), "prefix") {
		t.Fatalf("Set = %v", err)
	}
}

// loadDuringFirstRead is an adapter whose first Get of a key runs, before it
// misses, a whole GetOrSet of that key on cache (its own read misses too, so it
// loads and stores "stored"): a load of another caller that ended between a
// GetOrSet's miss and its load.
type loadDuringFirstRead struct {
	adapter.Adapter
	cache *strata.Cache[string]
	gets  atomic.Int32
}

func (s *loadDuringFirstRead) Get(ctx context.Context, key string) ([]byte, error) {
	switch s.gets.Add(1) {
	case 1:
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = s.cache.GetOrSet(ctx, "k", 0, func(context.Context) (string, error) { return "stored", nil })
		}()
		<-done
		return nil, adapter.NotFound(key)
	case 2:
		return nil, adapter.NotFound(key)
	}
	return s.Adapter.Get(ctx, key)
}

// TestGetOrSetLooksAgainAfterAnotherLoad: when another load of the key ended
// between a GetOrSet's miss and its own load, it reads once more and returns what
// that load stored instead of loading again; with no load in between, the miss
// stands and it loads without a second read.
func TestGetOrSetLooksAgainAfterAnotherLoad(t *testing.T) {
	ctx := context.Background()
	a := &loadDuringFirstRead{Adapter: newMemory(t)}
	c := strata.New[string](a, &strata.Options[string]{Codec: serializer.Raw[string]()})
	a.cache = c
	v, err := c.GetOrSet(ctx, "k", 0, func(context.Context) (string, error) { return "loaded", nil })
	if err != nil || v != "stored" || a.gets.Load() != 3 {
		t.Fatalf("GetOrSet = %q, %v after %d reads; want the value the other load stored, found by a third read", v, err, a.gets.Load())
	}

	s := &spy{Adapter: newMemory(t)}
	c2 := strata.New[string](s, nil)
	if v, err := c2.GetOrSet(ctx, "k", 0, func(context.Context) (string, error) { return "loaded", nil }); err != nil || v != "loaded" || s.calls.Load() != 2 {
		t.Fatalf("GetOrSet = %q, %v after %d driver calls; want the loaded value after one read and one store", v, err, s.calls.Load())
	}
}

// TestErrorsNameTheCallersKey: a miss (and any other error a driver ties to a key)
// names the key the caller passed, not the prefixed key the driver saw.
func TestErrorsNameTheCallersKey(t *testing.T) {
	ctx := context.Background()
	for name, codec := range map[string]serializer.Codec[string]{"raw": serializer.Raw[string](), "msgpack": nil} {
		for _, decodeEveryHit := range []bool{false, true} {
			c := strata.New(newMemory(t), &strata.Options[string]{Prefix: "users:", Codec: codec, DecodeEveryHit: decodeEveryHit})
			_, err := c.Get(ctx, "42")
			_, uerr := c.UpdateTimeout(ctx, "42", time.Minute)
			for _, e := range []error{err, uerr} {
				var ke *adapter.KeyError
				if !errors.As(e, &ke) || ke.Key != "42" || strings.Contains(e.Error(), "users:") {
					t.Errorf("%s: %v; want a KeyError naming \"42\"", name, e)
				}
			}
		}
	}
}
