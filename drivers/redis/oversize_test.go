package redis

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// smallBulkServer starts a server that takes values of at most 1MB (the least
// proto-max-bulk-len Redis allows; it drops the connection of a client that
// sends more). Its user "app" may not run CONFIG, as on managed services, so
// an adapter logged in as app cannot learn the limit.
func smallBulkServer(t *testing.T) *redistest.Server {
	t.Helper()
	return redistest.StartServer(t, &redistest.Options{
		Config: []string{"proto-max-bulk-len 1mb"},
		Users:  []redistest.User{{Name: "app", Password: "app-pw-1", Rules: "on ~* &* +@all -config"}},
	})
}

// smallBulkURL is srv's URL for the default user, or for app (no CONFIG).
func smallBulkURL(srv *redistest.Server, configHidden bool) string {
	if configHidden {
		return srv.UserURL("app")
	}
	return srv.URL()
}

// expectTooLarge checks the error of a write of an oversized value under key.
func expectTooLarge(t *testing.T, what, key string, err error) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: no error for a value over the server's proto-max-bulk-len", what)
	case !errors.Is(err, ErrTooLarge):
		t.Errorf("%s: %v; want it to wrap ErrTooLarge", what, err)
	case errors.Is(err, adapter.ErrUnavailable):
		t.Errorf("%s: %v; an oversized value is not an outage: it must not wrap adapter.ErrUnavailable", what, err)
	case !strings.Contains(err.Error(), fmt.Sprintf("%q", key)) || !strings.Contains(err.Error(), "proto-max-bulk-len"):
		t.Errorf("%s: %v; want the key %q and the server's limit (proto-max-bulk-len) named", what, err, key)
	default:
		t.Logf("%s: %v", what, err)
	}
}

// TestOversizedValueFailsOnlyItsOwnCall: with auto-pipelining, a value over the
// server's proto-max-bulk-len used to make Redis drop the connection shared by
// the calls batched with it, which all failed with EOF. Now only the oversized
// call fails, with ErrTooLarge naming its key, whether or not the adapter may
// read the limit with CONFIG GET.
func TestOversizedValueFailsOnlyItsOwnCall(t *testing.T) {
	srv := smallBulkServer(t)
	for _, hidden := range []bool{false, true} {
		t.Run(fmt.Sprintf("config_hidden=%v", hidden), func(t *testing.T) {
			ctx := ctxT(t)
			a, err := OpenURL(ctx, withParams(smallBulkURL(srv, hidden), "prefix="+redistest.RandomPrefix()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = a.Close() })
			a.autoPipe.always = true // every call through the shared batches

			big := bytes.Repeat([]byte("x"), 2<<20)
			var stop atomic.Bool
			var innocent atomic.Int64
			var firstInnocent sync.Once
			var wg sync.WaitGroup
			for w := range 32 {
				wg.Go(func() {
					for i := 0; !stop.Load() || i < 50; i++ {
						k := fmt.Sprint("small-", w, "-", i%4)
						err := a.Set(ctx, k, []byte("v"), time.Minute)
						if err == nil {
							_, err = a.Get(ctx, k)
						}
						if err != nil {
							innocent.Add(1)
							firstInnocent.Do(func() { t.Errorf("a small call failed: %v", err) })
						}
					}
				})
			}
			for i := range 5 {
				k := fmt.Sprint("big-", i)
				expectTooLarge(t, "Set of 2MiB", k, a.Set(ctx, k, big, time.Minute))
			}
			stop.Store(true)
			wg.Wait()
			if n := innocent.Load(); n > 0 {
				t.Errorf("%d small calls failed alongside the oversized ones; want 0", n)
			}
			// A value just under the limit is stored, through the same paths.
			fits := bytes.Repeat([]byte("y"), 1<<20-64)
			if err := a.Set(ctx, "fits", fits, time.Minute); err != nil {
				t.Errorf("Set of a value under the limit: %v", err)
			}
			if b, err := a.Get(ctx, "fits"); err != nil || !bytes.Equal(b, fits) {
				t.Errorf("Get of a value under the limit: %d bytes, %v", len(b), err)
			}
		})
	}
}

// TestSetManyWithAnOversizedItem: SetMany with one value over the server's
// limit used to fail with a bare EOF naming no key, after storing some items.
// Now the error names the key and nothing is stored (see SetMany's doc).
func TestSetManyWithAnOversizedItem(t *testing.T) {
	srv := smallBulkServer(t)
	for _, hidden := range []bool{false, true} {
		t.Run(fmt.Sprintf("config_hidden=%v", hidden), func(t *testing.T) {
			ctx := ctxT(t)
			a := newTestAdapter(t, client(t, smallBulkURL(srv, hidden)), Options{})
			items := map[string][]byte{"big": bytes.Repeat([]byte("x"), 2<<20)}
			for i := range 20 {
				items[fmt.Sprint("small-", i)] = []byte("v")
			}
			expectTooLarge(t, "SetMany with one 2MiB item", "big", a.SetMany(ctx, items, time.Minute))
			got, err := a.GetMany(ctx, keysOf(items))
			if err != nil || len(got) != 0 {
				t.Errorf("after the failed SetMany, GetMany = %d items, %v; want none stored", len(got), err)
			}
			delete(items, "big")
			if err := a.SetMany(ctx, items, time.Minute); err != nil {
				t.Errorf("SetMany of the small items afterwards: %v", err)
			}
		})
	}
}

func keysOf(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// TestOversizedValueOnACluster: the limit is learned from every master, and an
// oversized Set or SetMany item fails alone, naming its key.
func TestOversizedValueOnACluster(t *testing.T) {
	ctx := ctxT(t)
	c := redistest.StartCluster(t, &redistest.ClusterOptions{Config: []string{"proto-max-bulk-len 1mb"}})
	a := newTestAdapter(t, client(t, c.URL()), Options{AutoPipeline: true})
	big := bytes.Repeat([]byte("x"), 2<<20)
	expectTooLarge(t, "cluster Set of 2MiB", "big", a.Set(ctx, "big", big, time.Minute))
	items := map[string][]byte{"big": big, "a": []byte("1"), "b": []byte("2")}
	expectTooLarge(t, "cluster SetMany with a 2MiB item", "big", a.SetMany(ctx, items, time.Minute))
	if got, err := a.GetMany(ctx, keysOf(items)); err != nil || len(got) != 0 {
		t.Errorf("after the failed SetMany, GetMany = %d items, %v; want none stored", len(got), err)
	}
	if got := a.maxBulk(ctx); got != 1<<20 {
		t.Errorf("maxBulk = %d, want 1048576 (the masters' proto-max-bulk-len)", got)
	}
}
