package strata_test

// Validation happens once, in strata.Cache: drivers receive valid keys and resolved
// TTLs and do not check them again (see adapter.Adapter). These tests hold the Cache
// to that over every in-tree driver (memory, redis on a redistest server, and
// layered: memory over redis): an invalid key or TTL is refused with ErrInvalidKey or
// ErrInvalidTTL, and nothing is stored or changed. They were conformance specs while
// every driver validated too.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/layered"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/serializer"
)

// driverKind opens a fresh adapter of one kind; the test closes it.
type driverKind struct {
	name string
	open func(t *testing.T) adapter.Adapter
}

// driverKinds returns every in-tree driver, the networked ones on one redistest
// server (or STRATA_TEST_REDIS_URL) under prefixes of their own.
func driverKinds(t *testing.T) []driverKind {
	t.Helper()
	serverURL, prefix := redistest.ServerURL(t)
	var n atomic.Int64
	openRedis := func(t *testing.T) *redis.Adapter {
		t.Helper()
		p := fmt.Sprintf("%s%d:", prefix, n.Add(1))
		r, err := redis.OpenURL(context.Background(), withQuery(serverURL, "prefix="+url.QueryEscape(p)))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	openMemory := func(t *testing.T) *memory.Adapter {
		t.Helper()
		m, err := memory.Open(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	return []driverKind{
		{"memory", func(t *testing.T) adapter.Adapter { return openMemory(t) }},
		{"redis", func(t *testing.T) adapter.Adapter { return openRedis(t) }},
		{"layered", func(t *testing.T) adapter.Adapter {
			t.Helper()
			l, err := layered.New(openMemory(t), openRedis(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}},
	}
}

// withQuery adds the query parameters q (already escaped) to rawURL.
func withQuery(rawURL, q string) string {
	if strings.Contains(rawURL, "?") {
		return rawURL + "&" + q
	}
	return rawURL + "?" + q
}

// openDriver opens a fresh adapter of kind d, closed when the test ends.
func openDriver(t *testing.T, d driverKind) adapter.Adapter {
	t.Helper()
	a := d.open(t)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// appPrefix is the prefix of the caches the tests use.
const appPrefix = "app:"

// state is what the driver holds under the keys a test watches, read directly from
// the driver: "missing", or the value and whether it expires ("forever", "~1h").
type state map[string]string

// watch reads the state of the driver keys full from a (which must be a TTLReader,
// as every in-tree driver is).
func watch(ctx context.Context, t *testing.T, a adapter.Adapter, full ...string) state {
	t.Helper()
	r, ok := a.(adapter.TTLReader)
	if !ok {
		t.Fatalf("%T is not an adapter.TTLReader", a)
	}
	st := state{}
	for _, k := range full {
		v, ttl, err := r.GetWithTTL(ctx, k)
		switch {
		case errors.Is(err, adapter.ErrNotFound):
			st[adapter.QuoteKey(k)] = "missing"
		case err != nil:
			t.Fatalf("GetWithTTL(%s): %v", adapter.QuoteKey(k), err)
		case ttl == adapter.NoExpiration:
			st[adapter.QuoteKey(k)] = string(v) + " forever"
		case ttl > 50*time.Minute && ttl <= time.Hour:
			st[adapter.QuoteKey(k)] = string(v) + " ~1h"
		default:
			st[adapter.QuoteKey(k)] = fmt.Sprintf("%s %v", v, ttl)
		}
	}
	return st
}

// unchanged fails the test when the watched keys no longer hold what before says.
func unchanged(ctx context.Context, t *testing.T, a adapter.Adapter, before state, full []string, what string) {
	t.Helper()
	after := watch(ctx, t, a, full...)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed what the driver holds under %s: %s, was %s", what, k, after[k], v)
		}
	}
}

// check fails the test unless err matches want.
func check(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s = %v; want an error wrapping %v", what, err, want)
	}
}

func TestInvalidKeysAreRefusedAndChangeNothing(t *testing.T) {
	for _, d := range driverKinds(t) {
		t.Run(d.name, func(t *testing.T) {
			ctx := testCtx(t)
			a := openDriver(t, d)
			raw := serializer.Raw[string]()
			prefixed := strata.New(a, &strata.Options[string]{Prefix: appPrefix, Codec: raw})
			bare := strata.New(a, &strata.Options[string]{Codec: raw})
			if err := prefixed.Set(ctx, "kept", "v", strata.NoExpiration); err != nil {
				t.Fatal(err)
			}
			tooLong := strings.Repeat("m", strata.MaxKeyLen+1)
			overWithPrefix := strings.Repeat("m", strata.MaxKeyLen-len(appPrefix)+1)
			// Every driver key an invalid call could touch, and the stored one.
			full := []string{appPrefix + "kept", appPrefix + "fresh", appPrefix, appPrefix + overWithPrefix, tooLong}
			before := watch(ctx, t, a, full...)
			if before[adapter.QuoteKey(appPrefix+"kept")] != "v forever" {
				t.Fatalf("setup: %v", before)
			}

			cases := []struct {
				name        string
				c           *strata.Cache[string]
				key         string
				kept, fresh string // valid keys of c: one stored, one not
			}{
				{"empty", bare, "", appPrefix + "kept", appPrefix + "fresh"},
				{"MaxKeyLen+1 bytes", bare, tooLong, appPrefix + "kept", appPrefix + "fresh"},
				{"empty under a prefix", prefixed, "", "kept", "fresh"},
				{"over MaxKeyLen with the prefix", prefixed, overWithPrefix, "kept", "fresh"},
			}
			for _, tc := range cases {
				c, k := tc.c, tc.key
				loads := 0
				load := func(context.Context) (string, error) { loads++; return "loaded", nil }
				calls := map[string]func() error{
					"Set":    func() error { return c.Set(ctx, k, "x", time.Hour) },
					"Get":    func() error { _, err := c.Get(ctx, k); return err },
					"Remove": func() error { _, err := c.Remove(ctx, k); return err },
					"Remove with a stored key": func() error {
						_, err := c.Remove(ctx, tc.kept, k)
						return err
					},
					"UpdateTimeout": func() error { _, err := c.UpdateTimeout(ctx, k, time.Hour); return err },
					"UpdateTimeout NoExpiration": func() error {
						_, err := c.UpdateTimeout(ctx, k, strata.NoExpiration)
						return err
					},
					"GetMany": func() error { _, err := c.GetMany(ctx, k); return err },
					"GetMany with a stored key": func() error {
						_, err := c.GetMany(ctx, tc.kept, k)
						return err
					},
					"SetMany": func() error { return c.SetMany(ctx, map[string]string{k: "x"}, time.Hour) },
					"SetMany with a valid key": func() error {
						return c.SetMany(ctx, map[string]string{tc.fresh: "x", tc.kept: "changed", k: "x"}, time.Hour)
					},
					"GetOrSet": func() error { _, err := c.GetOrSet(ctx, k, time.Hour, load); return err },
					"GetOrDefault": func() error {
						v, err := c.GetOrDefault(ctx, k, "default")
						if v == "default" {
							t.Errorf("%s: GetOrDefault hid the invalid key behind the default", tc.name)
						}
						return err
					},
				}
				for op, call := range calls {
					check(t, call(), strata.ErrInvalidKey, fmt.Sprintf("%s key: %s", tc.name, op))
				}
				if loads != 0 {
					t.Errorf("%s key: GetOrSet called the loader", tc.name)
				}
				unchanged(ctx, t, a, before, full, tc.name+" key")
			}
		})
	}
}

func TestInvalidTTLsAreRefusedAndChangeNothing(t *testing.T) {
	for _, d := range driverKinds(t) {
		t.Run(d.name, func(t *testing.T) {
			ctx := testCtx(t)
			a := openDriver(t, d)
			raw := serializer.Raw[string]()
			c := strata.New(a, &strata.Options[string]{Prefix: appPrefix, Codec: raw})
			// Its default TTL is invalid: DefaultTTL is refused when used.
			badDefault := strata.New(a, &strata.Options[string]{Prefix: appPrefix, Codec: raw, DefaultTTL: -time.Second})
			if err := c.Set(ctx, "kept", "v", strata.NoExpiration); err != nil {
				t.Fatal(err)
			}
			if err := c.Set(ctx, "timed", "v", time.Hour); err != nil {
				t.Fatal(err)
			}
			full := []string{appPrefix + "kept", appPrefix + "timed", appPrefix + "fresh"}
			before := watch(ctx, t, a, full...)
			if before[adapter.QuoteKey(appPrefix+"timed")] != "v ~1h" {
				t.Fatalf("setup: %v", before)
			}

			type attempt struct {
				c   *strata.Cache[string]
				ttl time.Duration
			}
			var attempts []attempt
			for _, ttl := range []time.Duration{-2, -time.Millisecond, -time.Second, -time.Hour, math.MinInt64} {
				attempts = append(attempts, attempt{c, ttl})
			}
			attempts = append(attempts, attempt{badDefault, strata.DefaultTTL})
			for _, at := range attempts {
				c, ttl := at.c, at.ttl
				what := fmt.Sprintf("ttl %v", ttl)
				if ttl == strata.DefaultTTL {
					what = "DefaultTTL with Options.DefaultTTL -1s"
				}
				loads := 0
				load := func(context.Context) (string, error) { loads++; return "loaded", nil }
				calls := map[string]func() error{
					"Set of a new key":        func() error { return c.Set(ctx, "fresh", "x", ttl) },
					"Set of a stored key":     func() error { return c.Set(ctx, "kept", "changed", ttl) },
					"SetMany":                 func() error { return c.SetMany(ctx, map[string]string{"fresh": "x", "kept": "changed"}, ttl) },
					"SetMany of no items":     func() error { return c.SetMany(ctx, nil, ttl) },
					"UpdateTimeout":           func() error { _, err := c.UpdateTimeout(ctx, "kept", ttl); return err },
					"UpdateTimeout of expiry": func() error { _, err := c.UpdateTimeout(ctx, "timed", ttl); return err },
					"UpdateTimeout of a missing key": func() error {
						_, err := c.UpdateTimeout(ctx, "fresh", ttl)
						return err
					},
					"GetOrSet of a missing key": func() error { _, err := c.GetOrSet(ctx, "fresh", ttl, load); return err },
					"GetOrSet of a stored key":  func() error { _, err := c.GetOrSet(ctx, "kept", ttl, load); return err },
				}
				for op, call := range calls {
					check(t, call(), strata.ErrInvalidTTL, what+": "+op)
				}
				if loads != 0 {
					t.Errorf("%s: GetOrSet called the loader", what)
				}
				unchanged(ctx, t, a, before, full, what)
			}
		})
	}
}

// spy passes every call to the adapter inside and counts them, but its Close
// leaves that adapter open: what a Cache does after Close is then its own doing.
type spy struct {
	adapter.Adapter
	calls atomic.Int64
}

func (s *spy) Get(ctx context.Context, key string) ([]byte, error) {
	s.calls.Add(1)
	return s.Adapter.Get(ctx, key)
}

func (s *spy) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	s.calls.Add(1)
	return s.Adapter.Set(ctx, key, value, ttl)
}

func (s *spy) Remove(ctx context.Context, keys ...string) (bool, error) {
	s.calls.Add(1)
	return s.Adapter.Remove(ctx, keys...)
}

func (s *spy) UpdateTimeout(ctx context.Context, key string, ttl time.Duration) ([]byte, error) {
	s.calls.Add(1)
	return s.Adapter.UpdateTimeout(ctx, key, ttl)
}

func (s *spy) Close() error { return nil }

// everyCall calls every method of c, with valid and invalid input, and returns
// what each returned.
func everyCall(ctx context.Context, c *strata.Cache[string], load func(context.Context) (string, error)) map[string]error {
	errs := map[string]error{}
	_, errs["Get"] = c.Get(ctx, "kept")
	_, errs["Get of an invalid key"] = c.Get(ctx, "")
	v, err := c.GetOrDefault(ctx, "kept", "default")
	if v == "default" {
		err = errors.New("GetOrDefault returned the default")
	}
	errs["GetOrDefault"] = err
	errs["Set"] = c.Set(ctx, "kept", "changed", time.Hour)
	errs["Set with an invalid ttl"] = c.Set(ctx, "kept", "changed", -time.Second)
	_, errs["Remove"] = c.Remove(ctx, "kept")
	_, errs["Remove of no keys"] = c.Remove(ctx)
	_, errs["UpdateTimeout"] = c.UpdateTimeout(ctx, "kept", time.Hour)
	_, errs["GetOrSet"] = c.GetOrSet(ctx, "fresh", time.Hour, load)
	_, errs["GetOrSet with a nil loader"] = c.GetOrSet(ctx, "fresh", time.Hour, nil)
	_, errs["GetMany"] = c.GetMany(ctx, "kept", "fresh")
	_, errs["GetMany of no keys"] = c.GetMany(ctx)
	errs["SetMany"] = c.SetMany(ctx, map[string]string{"kept": "changed", "fresh": "x"}, time.Hour)
	errs["SetMany of no items"] = c.SetMany(ctx, nil, time.Hour)
	errs["Clear"] = c.Clear(ctx)
	return errs
}

// TestClosedCacheAnswersItself: after Cache.Close every call returns ErrClosed
// without reaching the driver, even a driver that would still serve it.
func TestClosedCacheAnswersItself(t *testing.T) {
	for _, d := range driverKinds(t) {
		t.Run(d.name, func(t *testing.T) {
			ctx := testCtx(t)
			load := func(context.Context) (string, error) {
				t.Error("GetOrSet called the loader after Close")
				return "loaded", nil
			}
			opts := &strata.Options[string]{Prefix: appPrefix, Codec: serializer.Raw[string]()}

			// A driver left open by Close (the spy's Close does nothing).
			a := openDriver(t, d)
			s := &spy{Adapter: a}
			c := strata.New[string](s, opts)
			if err := c.Set(ctx, "kept", "v", strata.NoExpiration); err != nil {
				t.Fatal(err)
			}
			full := []string{appPrefix + "kept", appPrefix + "fresh"}
			before := watch(ctx, t, a, full...)
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			s.calls.Store(0)
			for op, err := range everyCall(ctx, c, load) {
				check(t, err, strata.ErrClosed, "over a driver still open: "+op)
			}
			if n := s.calls.Load(); n != 0 {
				t.Errorf("the closed Cache made %d calls to the driver", n)
			}
			unchanged(ctx, t, a, before, full, "calls after Close")

			// The driver itself, closed by Cache.Close.
			c = strata.New(openDriver(t, d), opts)
			if err := c.Set(ctx, "kept", "v", strata.NoExpiration); err != nil {
				t.Fatal(err)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			for op, err := range everyCall(ctx, c, load) {
				check(t, err, strata.ErrClosed, "over the driver Close closed: "+op)
			}
		})
	}
}

// TestDeadContextIsAnsweredByTheCache: a call with a cancelled or expired context
// returns that context's error without reaching the driver, and changes nothing.
func TestDeadContextIsAnsweredByTheCache(t *testing.T) {
	for _, d := range driverKinds(t) {
		t.Run(d.name, func(t *testing.T) {
			ctx := testCtx(t)
			load := func(context.Context) (string, error) {
				t.Error("GetOrSet called the loader with a dead context")
				return "loaded", nil
			}
			a := openDriver(t, d)
			s := &spy{Adapter: a}
			c := strata.New[string](s, &strata.Options[string]{Prefix: appPrefix, Codec: serializer.Raw[string]()})
			if err := c.Set(ctx, "kept", "v", strata.NoExpiration); err != nil {
				t.Fatal(err)
			}
			full := []string{appPrefix + "kept", appPrefix + "fresh"}
			before := watch(ctx, t, a, full...)

			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			expired, cancel2 := context.WithDeadline(ctx, time.Now().Add(-time.Second))
			defer cancel2()
			for _, dead := range []context.Context{cancelled, expired} {
				s.calls.Store(0)
				for op, err := range everyCall(dead, c, load) {
					check(t, err, dead.Err(), op)
				}
				if n := s.calls.Load(); n != 0 {
					t.Errorf("%v: the Cache made %d calls to the driver", dead.Err(), n)
				}
			}
			unchanged(ctx, t, a, before, full, "calls with a dead context")
		})
	}
}
