package strata_test

// GetOrSet's failure policy and deploy safety, over every in-tree driver: a cache
// that cannot be read or written costs loads, not answers (single flight still
// holds), and stored bytes the codec cannot decode are reloaded. The backends fail
// for real: a driver closed underneath an open Cache, and a redis-server killed.

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

// reports collects what Options.OnError is told.
type reports struct {
	mu   sync.Mutex
	all  []report
	n    int           // with full: how many reports close it
	full chan struct{} // closed on the n-th report, when not nil
}

type report struct {
	op, key string
	err     error
}

func (r *reports) hook(op, key string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, report{op, key, err})
	if r.full != nil && len(r.all) == r.n {
		close(r.full)
	}
}

func (r *reports) list() []report {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]report(nil), r.all...)
}

// expectReports fails the test unless r holds n reports, each of op on key with an
// error wrapping want.
func expectReports(t *testing.T, r *reports, n int, op, key string, want error) {
	t.Helper()
	got := r.list()
	if len(got) != n {
		t.Fatalf("OnError was called %d times (%v); want %d", len(got), got, n)
	}
	for _, rep := range got {
		if rep.op != op || rep.key != key || !errors.Is(rep.err, want) {
			t.Fatalf("OnError(%q, %q, %v); want (%q, %q, an error wrapping %v)", rep.op, rep.key, rep.err, op, key, want)
		}
	}
}

// callers is how many goroutines share a load in the single-flight tests.
const callers = 16

// loadThroughFailure runs callers concurrent GetOrSet calls of one key on a Cache
// whose reads fail with an error wrapping want, and checks that every caller gets
// the loaded value with a nil error from one load, and that each caller's failed
// read is reported. The loader returns only once every caller has reported its
// failed read, which a caller does after joining the key's load: so all of them
// share it (or the test fails), whatever the scheduling.
func loadThroughFailure(t *testing.T, ctx context.Context, a adapter.Adapter, want error) {
	t.Helper()
	r := &reports{n: callers, full: make(chan struct{})}
	c := strata.New(a, &strata.Options[string]{Prefix: appPrefix, OnError: r.hook})
	var loads atomic.Int32
	load := func(context.Context) (string, error) {
		loads.Add(1)
		select {
		case <-r.full:
			return "loaded", nil
		case <-ctx.Done():
			return "", errors.New("not every caller reported its failed read")
		}
	}
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			v, err := c.GetOrSet(ctx, "k", time.Hour, load)
			if v != "loaded" || err != nil {
				t.Errorf("caller %d: GetOrSet = %q, %v; want the loaded value and no error", i, v, err)
			}
		})
	}
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Fatalf("the loader ran %d times for %d concurrent callers; want once", n, callers)
	}
	expectReports(t, r, callers, strata.OpRead, "k", want)

	// Plain Get still reports the failure; ReturnCacheError returns it from GetOrSet
	// without calling the loader.
	if _, err := c.Get(ctx, "k"); !errors.Is(err, want) {
		t.Fatalf("Get = %v; want an error wrapping %v", err, want)
	}
	strict := strata.New(a, &strata.Options[string]{Prefix: appPrefix, FailurePolicy: strata.ReturnCacheError, OnError: r.hook})
	_, err := strict.GetOrSet(ctx, "k", time.Hour, func(context.Context) (string, error) {
		t.Error("ReturnCacheError: GetOrSet called the loader")
		return "", nil
	})
	if !errors.Is(err, want) {
		t.Fatalf("ReturnCacheError: GetOrSet = %v; want an error wrapping %v", err, want)
	}
	if n := len(r.list()); n != callers {
		t.Fatalf("ReturnCacheError: OnError was called for an error GetOrSet returned")
	}
}

// TestGetOrSetLoadsThroughAClosedDriver: a driver closed underneath an open Cache
// answers ErrClosed; GetOrSet loads instead, once for all its callers.
func TestGetOrSetLoadsThroughAClosedDriver(t *testing.T) {
	for _, d := range driverKinds(t) {
		t.Run(d.name, func(t *testing.T) {
			a := openDriver(t, d)
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			loadThroughFailure(t, testCtx(t), a, strata.ErrClosed)
		})
	}
}

// TestGetOrSetLoadsThroughARedisOutage: with its redis-server killed, drivers/redis
// (and drivers/layered over it) fail with ErrUnavailable; GetOrSet loads instead,
// once for all its callers. The server is the test's own, whatever
// STRATA_TEST_REDIS_URL says: it is killed.
func TestGetOrSetLoadsThroughARedisOutage(t *testing.T) {
	for _, kind := range []string{"redis", "layered"} {
		t.Run(kind, func(t *testing.T) {
			ctx := testCtx(t)
			srv := redistest.StartServer(t, nil)
			r, err := redis.OpenURL(ctx, srv.URL())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = r.Close() })
			var a adapter.Adapter = r
			if kind == "layered" {
				l1, err := memory.Open(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				l, err := layered.New(l1, r, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = l.Close() })
				a = l
			}
			if err := srv.Kill(); err != nil {
				t.Fatal(err)
			}
			loadThroughFailure(t, ctx, a, strata.ErrUnavailable)
		})
	}
}

// TestGetOrSetSkipsTheStoreWhileDown: after a read that found the backend down,
// GetOrSet does not try to store what it loaded; after any other failed read it
// stores (overwriting what it could not read), and returns the value whatever the
// store does.
func TestGetOrSetSkipsTheStoreWhileDown(t *testing.T) {
	ctx := context.Background()
	down := newMemory(t)
	down.Close()
	for _, tc := range []struct {
		name   string
		a      adapter.Adapter
		stores int32
	}{
		{"driver closed", down, 0},
		{"a reply about the key", readFails{newMemory(t)}, 1},
	} {
		s := &storeCounter{Adapter: tc.a}
		r := &reports{}
		c := strata.New(s, &strata.Options[string]{OnError: r.hook})
		v, err := c.GetOrSet(ctx, "k", time.Hour, func(context.Context) (string, error) { return "loaded", nil })
		if v != "loaded" || err != nil {
			t.Fatalf("%s: GetOrSet = %q, %v", tc.name, v, err)
		}
		if n := s.sets.Load(); n != tc.stores {
			t.Errorf("%s: GetOrSet tried %d stores; want %d", tc.name, n, tc.stores)
		}
		if ops := r.list(); len(ops) != 1 || ops[0].op != strata.OpRead {
			t.Errorf("%s: OnError heard %v; want one read", tc.name, ops)
		}
	}
}

// readFails wraps a real adapter and fails every Get with a reply about the key, as
// Redis answers WRONGTYPE for a key holding a list: not an outage.
type readFails struct{ adapter.Adapter }

var errWrongType = errors.New("WRONGTYPE Operation against a key holding the wrong kind of value")

func (readFails) Get(_ context.Context, key string) ([]byte, error) {
	return nil, &adapter.KeyError{Key: key, Err: errWrongType}
}

// Two versions of one stored type: a deploy changed Age from int to string.
type userV1 struct {
	Name string
	Age  int
}

type userV2 struct {
	Name string
	Age  string
}

// TestGetOrSetReloadsBytesItCannotDecode: bytes written by an older version of the
// stored type, which the codec cannot decode into the new one, are a miss to
// GetOrSet (under either policy): it loads, overwrites them and reports it. Get
// still answers ErrCodec. Every codec that can fail to decode, every driver, and
// every way a Cache reads (kept decoded values, lent bytes, plain Get).
func TestGetOrSetReloadsBytesItCannotDecode(t *testing.T) {
	codecs := []struct {
		name string
		old  serializer.Codec[userV1]
		cur  serializer.Codec[userV2]
	}{
		{"msgpack", serializer.MsgPack[userV1](), serializer.MsgPack[userV2]()},
		{"json", serializer.JSON[userV1](), serializer.JSON[userV2]()},
		{"gob", serializer.Gob[userV1](), serializer.Gob[userV2]()},
	}
	for _, d := range driverKinds(t) {
		t.Run(d.name, func(t *testing.T) {
			ctx := testCtx(t)
			a := openDriver(t, d)
			for _, cd := range codecs {
				t.Run(cd.name, func(t *testing.T) {
					reloadsUndecodable(t, ctx, a, cd.name, cd.old, cd.cur)
				})
			}
		})
	}
}

// reloadsUndecodable checks GetOrSet over a, for TestGetOrSetReloadsBytesItCannotDecode.
func reloadsUndecodable(t *testing.T, ctx context.Context, a adapter.Adapter, name string, oldCodec serializer.Codec[userV1], curCodec serializer.Codec[userV2]) {
	t.Helper()
	for _, policy := range []strata.FailurePolicy{strata.LoadOnCacheError, strata.ReturnCacheError} {
		for _, everyHit := range []bool{false, true} {
			key := fmt.Sprintf("%s-%d-%v", name, policy, everyHit)
			old := strata.New(a, &strata.Options[userV1]{Prefix: appPrefix, Codec: oldCodec})
			if err := old.Set(ctx, key, userV1{"Ada", 36}, time.Hour); err != nil {
				t.Fatal(err)
			}
			r := &reports{}
			cur := strata.New(a, &strata.Options[userV2]{
				Prefix: appPrefix, Codec: curCodec, FailurePolicy: policy, DecodeEveryHit: everyHit, OnError: r.hook,
			})
			if _, err := cur.Get(ctx, key); !errors.Is(err, strata.ErrCodec) {
				t.Fatalf("%s: Get of the old bytes = %v; want ErrCodec", key, err)
			}
			loads := 0
			load := func(context.Context) (userV2, error) { loads++; return userV2{"Ada", "36"}, nil }
			v, err := cur.GetOrSet(ctx, key, time.Hour, load)
			if err != nil || v != (userV2{"Ada", "36"}) || loads != 1 {
				t.Fatalf("%s: GetOrSet = %+v, %v after %d loads; want the loaded value", key, v, err, loads)
			}
			expectReports(t, r, 1, strata.OpDecode, key, strata.ErrCodec)
			// Overwritten: every later read decodes.
			if v, err := cur.Get(ctx, key); err != nil || v != (userV2{"Ada", "36"}) {
				t.Fatalf("%s: Get after GetOrSet = %+v, %v; want the reloaded value", key, v, err)
			}
			if _, err := cur.GetOrSet(ctx, key, time.Hour, load); err != nil || loads != 1 {
				t.Fatalf("%s: second GetOrSet = %v after %d loads; want a hit", key, err, loads)
			}
		}
	}
}
