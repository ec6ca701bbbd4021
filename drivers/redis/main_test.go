package redis

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

// servers are shared by the tests of this package, started on first use and
// stopped by TestMain. Tests that inject faults start their own.
var servers redistest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	// Close also removes the keys the tests wrote to STRATA_TEST_REDIS_URL's server.
	if err := servers.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = max(code, 1)
	}
	os.Exit(code)
}

// serverURL is the URL of the shared standalone server, or of
// STRATA_TEST_REDIS_URL when set. Tests write only under random prefixes.
func serverURL(t testing.TB) string { t.Helper(); return servers.URL(t) }

// sharedServer is the shared throwaway server itself (not STRATA_TEST_REDIS_URL),
// for tests that need its address.
func sharedServer(t testing.TB) *redistest.Server {
	t.Helper()
	if os.Getenv(redistest.EnvURL) != "" {
		t.Skipf("needs a throwaway server; %s is set", redistest.EnvURL)
	}
	return servers.Server(t)
}

func sharedCluster(t testing.TB) *redistest.Cluster { t.Helper(); return servers.Cluster(t) }

func sharedSentinel(t testing.TB) *redistest.Sentinel { t.Helper(); return servers.Sentinel(t) }

// client creates a go-redis client for rawURL (closed when the test ends).
func client(t testing.TB, rawURL string) goredis.UniversalClient {
	t.Helper()
	cfg, err := ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newTestAdapter wraps c with opts, giving it a random prefix unless opts has one,
// and closes it when the test ends.
func newTestAdapter(t testing.TB, c goredis.UniversalClient, opts Options) *Adapter {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = redistest.RandomPrefix()
	}
	a, err := New(c, &opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// standaloneAdapter is newTestAdapter on the shared standalone server.
func standaloneAdapter(t testing.TB, opts Options) *Adapter {
	t.Helper()
	return newTestAdapter(t, client(t, serverURL(t)), opts)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
