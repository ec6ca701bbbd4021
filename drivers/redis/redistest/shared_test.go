package redistest_test

import (
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
