package redistest_test

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

// TestProxyStallsAndResumes: through a stalled proxy a command gets no answer
// (only its own timeout), and after Resume the same connection answers again.
func TestProxyStallsAndResumes(t *testing.T) {
	srv := redistest.StartServer(t, nil)
	p := redistest.StartProxy(t, srv.Addr())
	c := goredis.NewClient(&goredis.Options{Addr: p.Addr(), MaxRetries: -1, PoolSize: 1, ReadTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	ctx := ctxT(t, time.Minute)
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING through the proxy: %v", err)
	}
	p.Stall()
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING through a stalled proxy was answered")
	}
	p.Resume()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatal("no answer 10s after Resume")
		}
	}
}
