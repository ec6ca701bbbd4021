package redistest_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

// Shared starts one server on first use, hands the same one to every caller,
// prefers STRATA_TEST_REDIS_URL for URL, and stops the server on Close.
func TestShared(t *testing.T) {
	t.Setenv(redistest.EnvURL, "")
	var s redistest.Shared
	srv := s.Server(t)
	if again := s.Server(t); again != srv {
		t.Fatal("Server started a second server")
	}
	if got := s.URL(t); got != srv.URL() {
		t.Fatalf("URL = %q, want the shared server's %q", got, srv.URL())
	}
	t.Setenv(redistest.EnvURL, "redis://elsewhere:6379/0")
	if got := s.URL(t); got != "redis://elsewhere:6379/0" {
		t.Fatalf("URL with %s set = %q", redistest.EnvURL, got)
	}
	t.Setenv(redistest.EnvURL, "") // Close would remove this run's test keys from elsewhere
	ctx := ctxT(t, 10*time.Second)
	c := client(t, &goredis.Options{Addr: srv.Addr(), MaxRetries: -1})
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("the shared server still answers after Close")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestSharedCloseRemovesTestKeys: with STRATA_TEST_REDIS_URL set, the keys tests
// write under RandomPrefix prefixes (any number of them, with and without TTL, more
// than a SCAN page) are gone from that server after Shared.Close, while keys of
// others, another run's test keys included, are untouched.
func TestSharedCloseRemovesTestKeys(t *testing.T) {
	user := redistest.StartServer(t, &redistest.Options{Password: "pw"})
	ctx := ctxT(t, 30*time.Second)
	c := client(t, &goredis.Options{Addr: user.Addr(), Password: "pw"})
	p := redistest.RandomPrefix()
	otherRun := "strata-test:ffffffff00000001:"
	if strings.HasPrefix(p, "strata-test:ffffffff") {
		otherRun = "strata-test:0000000000000001:"
	}
	keep := []string{"someone-else", otherRun + "k", "strata-test", "strata-test:"}
	for _, k := range keep {
		if err := c.Set(ctx, k, "keep", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}

	t.Setenv(redistest.EnvURL, user.URL())
	var s redistest.Shared
	if got := s.URL(t); got != user.URL() {
		t.Fatalf("URL = %q, want %s's %q", got, redistest.EnvURL, user.URL())
	}
	pipe := c.Pipeline()
	for range 30 {
		prefix := redistest.RandomPrefix()
		for j := range 100 {
			ttl := time.Duration(0)
			if j%2 == 0 {
				ttl = time.Hour
			}
			pipe.Set(ctx, fmt.Sprintf("%s%d", prefix, j), "x", ttl)
		}
	}
	pipe.Set(ctx, p+"first", "x", 0)
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if n := c.DBSize(ctx).Val(); n != int64(len(keep))+3001 {
		t.Fatalf("DBSIZE = %d before Close, want %d", n, len(keep)+3001)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	left, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(left)
	slices.Sort(keep)
	if !slices.Equal(left, keep) {
		t.Fatalf("keys after Close = %q, want only the others' %q", left, keep)
	}

	t.Setenv(redistest.EnvURL, "")
	if n, err := redistest.RemoveTestKeys(); n != 0 || err != nil {
		t.Fatalf("RemoveTestKeys without %s = %d, %v; want 0, nil", redistest.EnvURL, n, err)
	}
}

// TestRemoveTestKeysHidesThePassword: an unreadable STRATA_TEST_REDIS_URL is
// reported without the URL's text, which holds the password.
func TestRemoveTestKeysHidesThePassword(t *testing.T) {
	t.Setenv(redistest.EnvURL, "redis://:s3cret-pw@127.0.0.1:6379/0\x7f bad")
	_, err := redistest.RemoveTestKeys()
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("RemoveTestKeys of a bad URL = %v; want an error without the password", err)
	}
}
