package layered

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// servers holds the standalone Redis the tests without faults share, started on
// first use and stopped by TestMain. Tests that inject faults start their own.
var servers redistest.Shared

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	code := m.Run()
	// Close also removes the keys the tests wrote to STRATA_TEST_REDIS_URL's server.
	if err := servers.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = max(code, 1)
	}
	os.Exit(code)
}

// serverURL is the URL of the shared server, or of STRATA_TEST_REDIS_URL when set.
// Tests write only under random prefixes.
func serverURL(t testing.TB) string { t.Helper(); return servers.URL(t) }

// withParams adds query parameters to a Redis URL.
func withParams(rawURL string, params ...string) string {
	sep := "?"
	if strings.Contains(rawURL, "?") {
		sep = "&"
	}
	return rawURL + sep + strings.Join(params, "&")
}

// openRedis opens a redis adapter with a prefix (and grace, if not 0) on rawURL.
func openRedis(t testing.TB, rawURL, prefix string, extra ...string) *redis.Adapter {
	t.Helper()
	r, err := redis.OpenURL(context.Background(), withParams(rawURL, append([]string{"prefix=" + url.QueryEscape(prefix)}, extra...)...))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// overRedis returns a layered adapter with a memory L1 over a redis L2 on rawURL
// under prefix, closed at the end of the test.
func overRedis(t testing.TB, rawURL, prefix string, opts *Options, redisParams ...string) (*Adapter, *memory.Adapter) {
	t.Helper()
	l1, err := memory.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(l1, openRedis(t, rawURL, prefix, redisParams...), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a, l1
}
