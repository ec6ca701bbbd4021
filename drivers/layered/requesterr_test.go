package layered

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// perKeyBatch is a Redis L2 whose GetMany names the keys it could not serve, as
// the Batcher contract asks ("Batches return what they can and name the keys they
// could not serve"): here, until adapter has a batch error type, by returning the
// error a Get of the key returns. drivers/redis's own GetMany (MGET) answers a
// non-string as a miss, which is that driver's to change.
type perKeyBatch struct{ *redis.Adapter }

func (l perKeyBatch) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	return getEach(ctx, l.Adapter, keys)
}

// TestRequestErrorsAreNotOutages puts a list under a key of the layered cache's
// namespace on a real Redis and reads it 50 times, with Get and with GetMany. A
// WRONGTYPE reply is that request's answer: it must not reset the adapter (flush L1,
// bypass it, probe), nor must UpdateTimeout's, and GetMany must report the error Get reports for the key when
// L2's batch reports it, never turn it into a miss or an outage.
func TestRequestErrorsAreNotOutages(t *testing.T) {
	for _, tc := range []struct {
		name    string
		stale   bool
		perKey  bool // L2's GetMany reports per-key errors
		wantErr bool // GetMany must fail as Get does
	}{
		{"strict", false, true, true},
		{"serve_stale", true, true, true},
		{"strict/redis_mget", false, false, false},
		{"serve_stale/redis_mget", true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxT(t)
			rawURL := serverURL(t)
			prefix := redistest.RandomPrefix()
			a := &observed{}
			var l2 adapter.Adapter = openRedis(t, rawURL, prefix)
			if tc.perKey {
				l2 = perKeyBatch{l2.(*redis.Adapter)}
			}
			a.l1 = mustMem(t)
			a.Adapter = newLayered(t, a.l1, l2, &Options{
				ServeStaleOnL2Error: tc.stale,
				OnReset:             func() { a.resets.Add(1) },
			})
			admin := openRedis(t, rawURL, prefix)
			t.Cleanup(func() { _ = admin.Close() })

			if err := admin.Client().Do(ctx, "RPUSH", prefix+"odd", "x").Err(); err != nil {
				t.Fatal(err)
			}
			if err := a.Set(ctx, "good", []byte("cached"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if _, ok := inL1(t, a.l1, "good"); !ok {
				t.Fatal("Set did not store good in L1")
			}
			// Remove good from Redis behind the adapter's back (no publication): only
			// L1 can answer it from now on, so reading it tells whether L1 is served.
			if _, err := admin.Remove(ctx, "good"); err != nil {
				t.Fatal(err)
			}

			var getErr error
			for i := range 50 {
				_, err := a.Get(ctx, "odd")
				if err == nil || errors.Is(err, adapter.ErrNotFound) {
					t.Fatalf("Get #%d of a list = %v; want the server's WRONGTYPE", i, err)
				}
				getErr = err
			}
			// A write refused the same way (GETEX on a list) is no outage either.
			for i := range 50 {
				if _, err := a.UpdateTimeout(ctx, "odd", time.Minute); err == nil || !strings.Contains(err.Error(), "WRONGTYPE") {
					t.Fatalf("UpdateTimeout #%d of a list = %v; want the server's WRONGTYPE", i, err)
				}
			}
			var manyErr error
			for range 50 {
				m, err := a.GetMany(ctx, []string{"odd", "good"})
				if tc.wantErr && err == nil {
					t.Fatalf("GetMany with a list = %q, nil; want the error Get returns (%v), not a silent miss", m, getErr)
				}
				if string(m["good"]) != "cached" {
					t.Fatalf("GetMany with a list = %q, %v; want the other key's value beside the error", m, err)
				}
				manyErr = err
			}
			for name, err := range map[string]error{"Get": getErr, "GetMany": manyErr} {
				var ke *adapter.KeyError
				if err != nil && (!errors.As(err, &ke) || ke.Key != "odd") {
					t.Errorf("%s: %v does not name the key odd", name, err)
				}
			}
			for name, err := range map[string]error{"Get": getErr, "GetMany": manyErr} {
				if err == nil {
					continue
				}
				if !strings.Contains(err.Error(), "WRONGTYPE") {
					t.Errorf("%s: %v; want the server's WRONGTYPE", name, err)
				}
				if errors.Is(err, adapter.ErrUnavailable) || errors.Is(err, adapter.ErrNotFound) {
					t.Errorf("%s: %v is an outage or a miss; want a reply about the request", name, err)
				}
			}
			if n := a.resets.Load(); n != 0 {
				t.Errorf("%d resets after reading a list: a reply about one key emptied L1 and started probes", n)
			}
			if !a.Healthy() {
				t.Error("not Healthy after reading a list")
			}
			if v, err := a.Get(ctx, "good"); err != nil || string(v) != "cached" {
				t.Errorf("Get(good) = %q, %v; want L1's copy (L1 must still be served)", v, err)
			}
		})
	}
}

// partialL2 is a bus L2 whose GetMany reads what it can and names, in an
// adapter.BatchError, the keys in fail with their errors. It answers even while
// the bus L2 is failing (its other calls, Ping included, fail then).
type partialL2 struct {
	*busL2
	fail map[string]error
}

func (l partialL2) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	var ok []string
	errs := map[string]error{}
	for _, k := range keys {
		if e, bad := l.fail[k]; bad {
			errs[k] = e
		} else {
			ok = append(ok, k)
		}
	}
	vals, err := l.busL2.Adapter.GetMany(ctx, ok) // the store itself: works while Ping fails
	if err != nil || len(errs) == 0 {
		return vals, err
	}
	return vals, &adapter.BatchError{Errs: errs}
}

// TestGetManyPartialBatchError: when L2's batch reads some keys and names the
// others, GetMany returns the values beside the error. With serve_stale, a key
// whose error is an outage is answered from L1; a key L2 answered with a reply
// about the request (WRONGTYPE) never is.
func TestGetManyPartialBatchError(t *testing.T) {
	errOdd := errors.New("WRONGTYPE Operation against a key holding the wrong kind of value")
	for _, stale := range []bool{false, true} {
		t.Run(map[bool]string{false: "strict", true: "serve_stale"}[stale], func(t *testing.T) {
			ctx := ctxT(t)
			b := newBus(t)
			l2 := partialL2{busL2: b.l2(), fail: map[string]error{}}
			l1 := newMem(t, nil)
			a := newLayered(t, l1, l2, &Options{ServeStaleOnL2Error: stale})
			for _, k := range []string{"fine", "down", "odd"} {
				if err := b.store.Set(ctx, k, []byte("v-"+k), time.Hour); err != nil {
					t.Fatal(err)
				}
				if err := l1.Set(ctx, k, []byte("l1-"+k), time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			l2.fail["down"], l2.fail["odd"] = errDown, errOdd
			// Bypass L1 so every key goes to L2, and keep it bypassed: Ping fails.
			l2.failing.Store(true)
			a.reset()
			got, err := a.GetMany(ctx, []string{"fine", "down", "odd"})
			var be *adapter.BatchError
			if !errors.As(err, &be) || !errors.Is(err, errOdd) {
				t.Fatalf("GetMany = %q, %v; want a BatchError naming odd", got, err)
			}
			if string(got["fine"]) != "v-fine" {
				t.Errorf("GetMany = %q: want L2's value of fine beside the error", got)
			}
			if _, ok := got["odd"]; ok {
				t.Errorf("odd, which L2 answered with WRONGTYPE, was served: %q", got)
			}
			_, downFailed := be.Errs["down"]
			if stale && (downFailed || string(got["down"]) != "l1-down") {
				t.Errorf("serve_stale: GetMany = %q, %v; want L1's copy of down, whose L2 error is an outage", got, err)
			}
			if !stale && (!downFailed || got["down"] != nil) {
				t.Errorf("strict: GetMany = %q, %v; want down's outage in the error", got, err)
			}
		})
	}
}
