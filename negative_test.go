package strata_test

// Negative caching (Options.NegativeTTL) over every in-tree driver: an absence a
// loader reported is answered without the loader until it expires, is removed by
// Set, SetMany and Remove, is seen by every process sharing the backend, and is
// never confused with a stored value, however empty or however spelt.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/layered"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/serializer"
)

// absentLoader returns a loader that reports key's record as missing (an error
// wrapping ErrNotFound, as a database lookup would), counting its calls.
func absentLoader(loads *atomic.Int32) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		loads.Add(1)
		return "", fmt.Errorf("no such user: %w", strata.ErrNotFound)
	}
}

// isCachedAbsence fails the test unless err is the answer for a key cached as absent:
// ErrCachedAbsence, which is ErrNotFound too, in a KeyError naming key.
func isCachedAbsence(t *testing.T, err error, key, what string) {
	t.Helper()
	var ke *adapter.KeyError
	if !errors.Is(err, strata.ErrCachedAbsence) || !errors.Is(err, strata.ErrNotFound) || !errors.As(err, &ke) || ke.Key != key {
		t.Fatalf("%s = %v; want ErrCachedAbsence (and ErrNotFound) naming %q", what, err, key)
	}
}

// isPlainMiss fails the test unless err is a miss that is not a cached absence.
func isPlainMiss(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, strata.ErrNotFound) || errors.Is(err, strata.ErrCachedAbsence) {
		t.Fatalf("%s = %v; want ErrNotFound and no cached absence", what, err)
	}
}

func TestNegativeCaching(t *testing.T) {
	for _, d := range driverKinds(t) {
		t.Run(d.name, func(t *testing.T) {
			ctx := testCtx(t)
			a := openDriver(t, d)
			c := strata.New(a, &strata.Options[string]{Prefix: appPrefix, NegativeTTL: time.Hour})
			var loads atomic.Int32
			load := absentLoader(&loads)

			// The loader's own error first, then the cached absence, without loads.
			_, err := c.GetOrSet(ctx, "7", time.Hour, load)
			if !errors.Is(err, strata.ErrNotFound) || errors.Is(err, strata.ErrCachedAbsence) || !strings.Contains(err.Error(), "no such user") {
				t.Fatalf("first GetOrSet = %v; want the loader's error", err)
			}
			for range 3 {
				_, err = c.GetOrSet(ctx, "7", time.Hour, load)
				isCachedAbsence(t, err, "7", "GetOrSet of an absent key")
			}
			_, err = c.Get(ctx, "7")
			isCachedAbsence(t, err, "7", "Get of an absent key")
			if n := loads.Load(); n != 1 {
				t.Fatalf("the loader ran %d times; want once", n)
			}
			if v, err := c.GetOrDefault(ctx, "7", "guest"); v != "guest" || err != nil {
				t.Fatalf("GetOrDefault = %q, %v; want the default", v, err)
			}
			if err := c.Set(ctx, "8", "bob", time.Hour); err != nil {
				t.Fatal(err)
			}
			if got, err := c.GetMany(ctx, "7", "8"); err != nil || len(got) != 1 || got["8"] != "bob" {
				t.Fatalf("GetMany = %v, %v; want only the stored key", got, err)
			}
			// The record lives NegativeTTL, under its own key.
			record := appPrefix + strata.AbsenceMark + "7"
			if st := watch(ctx, t, a, record); st[adapter.QuoteKey(record)] != "absent ~1h" {
				t.Fatalf("the record is %v; want it for NegativeTTL", st)
			}

			// Set replaces the absence: once the value is gone (expired, evicted,
			// removed behind the Cache's back) the key is a plain miss.
			if err := c.Set(ctx, "7", "ada", time.Hour); err != nil {
				t.Fatal(err)
			}
			if v, err := c.Get(ctx, "7"); v != "ada" || err != nil {
				t.Fatalf("Get after Set = %q, %v", v, err)
			}
			if _, err := a.Remove(ctx, appPrefix+"7"); err != nil {
				t.Fatal(err)
			}
			_, err = c.Get(ctx, "7")
			isPlainMiss(t, err, "Get after Set and the value's removal")

			// SetMany replaces absences too.
			if _, err := c.GetOrSet(ctx, "9", time.Hour, load); !errors.Is(err, strata.ErrNotFound) {
				t.Fatal(err)
			}
			if err := c.SetMany(ctx, map[string]string{"9": "eve"}, time.Hour); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Remove(ctx, appPrefix+"9"); err != nil {
				t.Fatal(err)
			}
			_, err = c.Get(ctx, "9")
			isPlainMiss(t, err, "Get after SetMany and the value's removal")

			// Remove removes an absence: the next GetOrSet asks the loader again.
			if _, err := c.GetOrSet(ctx, "10", time.Hour, load); !errors.Is(err, strata.ErrNotFound) {
				t.Fatal(err)
			}
			before := loads.Load()
			if existed, err := c.Remove(ctx, "10"); existed || err != nil {
				t.Fatalf("Remove of an absent key = %v, %v; want false (no value), nil", existed, err)
			}
			if _, err := c.GetOrSet(ctx, "10", time.Hour, load); !errors.Is(err, strata.ErrNotFound) || loads.Load() != before+1 {
				t.Fatalf("GetOrSet after Remove = %v after %d more loads; want the loader asked again", err, loads.Load()-before)
			}

			// Off (the default), nothing is cached: every GetOrSet asks the loader.
			off := strata.New(a, &strata.Options[string]{Prefix: appPrefix + "off:"})
			before = loads.Load()
			for range 2 {
				if _, err := off.GetOrSet(ctx, "7", time.Hour, load); !errors.Is(err, strata.ErrNotFound) {
					t.Fatal(err)
				}
			}
			if n := loads.Load() - before; n != 2 {
				t.Fatalf("without NegativeTTL the loader ran %d times for 2 calls", n)
			}
		})
	}
}

// TestNegativeCachingNeverCollidesWithValues: stored values (empty ones, and one
// spelt like an absence) are values; keys in the records' space are refused.
func TestNegativeCachingNeverCollidesWithValues(t *testing.T) {
	for _, d := range driverKinds(t) {
		t.Run(d.name, func(t *testing.T) {
			ctx := testCtx(t)
			a := openDriver(t, d)
			opts := func() *strata.Options[string] {
				return &strata.Options[string]{Prefix: appPrefix, Codec: serializer.Raw[string](), NegativeTTL: time.Hour}
			}
			c := strata.New(a, opts())
			b := strata.New(a, &strata.Options[[]byte]{Prefix: appPrefix, Codec: serializer.Raw[[]byte](), NegativeTTL: time.Hour})
			notCalled := func(context.Context) (string, error) {
				t.Error("GetOrSet called the loader for a stored value")
				return "", nil
			}
			for _, v := range []string{"", "absent", "\x00", strata.AbsenceMark} {
				if err := c.Set(ctx, "s", v, time.Hour); err != nil {
					t.Fatal(err)
				}
				if got, err := c.Get(ctx, "s"); got != v || err != nil {
					t.Fatalf("Get of the stored %q = %q, %v", v, got, err)
				}
				if got, err := c.GetOrSet(ctx, "s", time.Hour, notCalled); got != v || err != nil {
					t.Fatalf("GetOrSet of the stored %q = %q, %v", v, got, err)
				}
			}
			if err := b.Set(ctx, "b", []byte{}, time.Hour); err != nil {
				t.Fatal(err)
			}
			if got, err := b.Get(ctx, "b"); got == nil || len(got) != 0 || err != nil {
				t.Fatalf("Get of a stored []byte{} = %#v, %v", got, err)
			}
			// A record and the value it stands beside: the value wins.
			if err := a.Set(ctx, appPrefix+strata.AbsenceMark+"s", []byte("absent"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if got, err := c.Get(ctx, "s"); got != strata.AbsenceMark || err != nil {
				t.Fatalf("Get of a value beside a record = %q, %v", got, err)
			}
			// A key in the records' space is refused while NegativeTTL is on, and
			// an ordinary key without it.
			reservedKey := strata.AbsenceMark + "s"
			check(t, c.Set(ctx, reservedKey, "v", time.Hour), strata.ErrInvalidKey, "Set of a reserved key")
			_, err := c.Get(ctx, reservedKey)
			check(t, err, strata.ErrInvalidKey, "Get of a reserved key")
			_, err = c.GetMany(ctx, "s", reservedKey)
			check(t, err, strata.ErrInvalidKey, "GetMany of a reserved key")
			check(t, c.SetMany(ctx, map[string]string{reservedKey: "v"}, time.Hour), strata.ErrInvalidKey, "SetMany of a reserved key")
			_, err = c.Remove(ctx, reservedKey)
			check(t, err, strata.ErrInvalidKey, "Remove of a reserved key")
			plain := strata.New(a, &strata.Options[string]{Prefix: appPrefix + "plain:", Codec: serializer.Raw[string]()})
			if err := plain.Set(ctx, reservedKey, "v", time.Hour); err != nil {
				t.Fatalf("without NegativeTTL: Set of %q = %v", reservedKey, err)
			}
		})
	}
}

// TestNegativeCachingAcrossProcesses: two Caches on two separately opened adapters
// (two processes) over one Redis, with the same prefixes, see each other's
// absences, and a Set in one ends the absence in the other.
func TestNegativeCachingAcrossProcesses(t *testing.T) {
	serverURL, prefix := redistest.ServerURL(t)
	rawURL := withQuery(serverURL, "prefix="+url.QueryEscape(prefix))
	openRedis := func(t *testing.T) *redis.Adapter {
		r, err := redis.OpenURL(context.Background(), rawURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close() })
		return r
	}
	kinds := map[string]func(t *testing.T) adapter.Adapter{
		"redis": func(t *testing.T) adapter.Adapter { return openRedis(t) },
		"layered": func(t *testing.T) adapter.Adapter {
			l1, err := memory.Open(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			l, err := layered.New(l1, openRedis(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = l.Close() })
			return l
		},
	}
	for name, open := range kinds {
		t.Run(name, func(t *testing.T) {
			ctx := testCtx(t)
			opts := &strata.Options[string]{Prefix: appPrefix + name + ":", NegativeTTL: time.Hour}
			one, two := strata.New(open(t), opts), strata.New(open(t), opts)
			var loads atomic.Int32
			if _, err := one.GetOrSet(ctx, "7", time.Hour, absentLoader(&loads)); !errors.Is(err, strata.ErrNotFound) {
				t.Fatal(err)
			}
			_, err := two.Get(ctx, "7")
			isCachedAbsence(t, err, "7", "the other process's Get")
			_, err = two.GetOrSet(ctx, "7", time.Hour, absentLoader(&loads))
			isCachedAbsence(t, err, "7", "the other process's GetOrSet")
			if n := loads.Load(); n != 1 {
				t.Fatalf("the loader ran %d times in two processes; want once", n)
			}
			if err := two.Set(ctx, "7", "ada", time.Hour); err != nil {
				t.Fatal(err)
			}
			// drivers/layered drops the first process's L1 copy of the record on an
			// invalidation, which arrives asynchronously: allow it a generous while.
			deadline := time.Now().Add(10 * time.Second)
			for {
				v, err := one.Get(ctx, "7")
				if v == "ada" && err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the first process still reads %q, %v after the other's Set", v, err)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// TestNegativeCachingExpires: after NegativeTTL the loader is asked again. On
// drivers/memory in a synctest bubble (fake time, exact); on the real servers by
// waiting, with a generous bound, for a short NegativeTTL to pass.
func TestNegativeCachingExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		m, err := memory.Open(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		c := strata.New(m, &strata.Options[string]{NegativeTTL: time.Minute})
		var loads atomic.Int32
		load := absentLoader(&loads)
		_, _ = c.GetOrSet(ctx, "7", time.Hour, load)
		time.Sleep(time.Minute - time.Millisecond)
		_, err = c.GetOrSet(ctx, "7", time.Hour, load)
		isCachedAbsence(t, err, "7", "GetOrSet just before NegativeTTL")
		time.Sleep(2 * time.Millisecond)
		_, err = c.Get(ctx, "7")
		isPlainMiss(t, err, "Get after NegativeTTL")
		if _, err := c.GetOrSet(ctx, "7", time.Hour, load); !errors.Is(err, strata.ErrNotFound) || loads.Load() != 2 {
			t.Fatalf("GetOrSet after NegativeTTL = %v after %d loads; want the loader asked again", err, loads.Load())
		}
	})
	for _, d := range driverKinds(t) {
		if d.name == "memory" {
			continue
		}
		t.Run(d.name, func(t *testing.T) {
			ctx := testCtx(t)
			c := strata.New(openDriver(t, d), &strata.Options[string]{Prefix: appPrefix, NegativeTTL: 100 * time.Millisecond})
			var loads atomic.Int32
			load := absentLoader(&loads)
			_, _ = c.GetOrSet(ctx, "7", time.Hour, load)
			deadline := time.Now().Add(10 * time.Second)
			for {
				_, err := c.Get(ctx, "7")
				if !errors.Is(err, strata.ErrCachedAbsence) {
					isPlainMiss(t, err, "Get after NegativeTTL")
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the absence outlived NegativeTTL by 10s")
				}
				time.Sleep(20 * time.Millisecond)
			}
			if _, err := c.GetOrSet(ctx, "7", time.Hour, load); !errors.Is(err, strata.ErrNotFound) || loads.Load() != 2 {
				t.Fatalf("GetOrSet after NegativeTTL = %v after %d loads; want the loader asked again", err, loads.Load())
			}
		})
	}
}

// TestNegativeCachingReplacesBytesItCannotDecode: an absence reported after a read
// of undecodable bytes replaces them, so that later calls see the absence rather
// than the old bytes again.
func TestNegativeCachingReplacesBytesItCannotDecode(t *testing.T) {
	for _, d := range driverKinds(t) {
		t.Run(d.name, func(t *testing.T) {
			ctx := testCtx(t)
			a := openDriver(t, d)
			old := strata.New(a, &strata.Options[userV1]{Prefix: appPrefix})
			if err := old.Set(ctx, "7", userV1{"Ada", 36}, time.Hour); err != nil {
				t.Fatal(err)
			}
			cur := strata.New(a, &strata.Options[userV2]{Prefix: appPrefix, NegativeTTL: time.Hour})
			loads := 0
			load := func(context.Context) (userV2, error) { loads++; return userV2{}, strata.ErrNotFound }
			for range 2 {
				_, _ = cur.GetOrSet(ctx, "7", time.Hour, load)
			}
			_, err := cur.Get(ctx, "7")
			isCachedAbsence(t, err, "7", "Get after the absence replaced old bytes")
			if loads != 1 {
				t.Fatalf("the loader ran %d times; want once", loads)
			}
		})
	}
}

// batchOnly passes an adapter's Adapter and Batcher methods through, counting the
// reads; it has no in-process fast path, as drivers/redis has none.
type batchOnly struct {
	adapter.Adapter
	b              adapter.Batcher
	gets, getManys atomic.Int32
}

func (o *batchOnly) Get(ctx context.Context, key string) ([]byte, error) {
	o.gets.Add(1)
	return o.Adapter.Get(ctx, key)
}

func (o *batchOnly) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	o.getManys.Add(1)
	return o.b.GetMany(ctx, keys)
}

func (o *batchOnly) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	return o.b.SetMany(ctx, items, ttl)
}

// TestNegativeCachingReadsOnceOverABatcher: over an adapter.Batcher without an
// in-process fast path, Get reads a value and its record in one GetMany, one round
// trip, whether it finds the value, the record or neither.
func TestNegativeCachingReadsOnceOverABatcher(t *testing.T) {
	ctx := context.Background()
	m := newMemory(t)
	o := &batchOnly{Adapter: m, b: m}
	c := strata.New(o, &strata.Options[string]{NegativeTTL: time.Hour})
	if err := c.Set(ctx, "v", "ada", time.Hour); err != nil {
		t.Fatal(err)
	}
	_, _ = c.GetOrSet(ctx, "absent", time.Hour, absentLoader(new(atomic.Int32)))
	o.gets.Store(0)
	o.getManys.Store(0)
	if v, err := c.Get(ctx, "v"); v != "ada" || err != nil {
		t.Fatalf("Get = %q, %v", v, err)
	}
	_, err := c.Get(ctx, "absent")
	isCachedAbsence(t, err, "absent", "Get")
	_, err = c.Get(ctx, "missing")
	isPlainMiss(t, err, "Get of a missing key")
	if g, gm := o.gets.Load(), o.getManys.Load(); g != 0 || gm != 3 {
		t.Fatalf("3 Gets made %d Gets and %d GetManys of the adapter; want 0 and 3", g, gm)
	}
}
