package redistest_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

// In a test, StartServer stops the server when the test ends.
func ExampleStartServer() {
	testCache := func(t *testing.T) {
		srv := redistest.StartServer(t, &redistest.Options{Password: "secret"})
		c := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), Password: "secret"})
		defer c.Close()
		if err := c.Set(context.Background(), "k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		// Inject a fault: the server crashes and comes back empty.
		if err := srv.Kill(); err != nil {
			t.Fatal(err)
		}
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
	}
	_ = testCache
}

// Outside a test (TestMain, a benchmark), NewServer returns an error and the
// caller closes the server.
func ExampleNewServer() {
	srv, err := redistest.NewServer(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	fmt.Println(strings.HasPrefix(srv.URL(), "redis://127.0.0.1:"))
	// Output: true
}

// A cluster for a test; kill a master and wait for its replica to take over.
func ExampleStartCluster() {
	testFailover := func(t *testing.T) {
		cl := redistest.StartCluster(t, &redistest.ClusterOptions{ReplicasPerMaster: 1})
		c := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: cl.Addrs()})
		defer c.Close()
		if err := cl.Masters()[0].Kill(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := cl.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
	}
	_ = testFailover
}

// Sentinel: kill the master, wait for the sentinel to promote the replica.
func ExampleStartSentinel() {
	testFailover := func(t *testing.T) {
		s := redistest.StartSentinel(t, nil)
		c := goredis.NewFailoverClient(&goredis.FailoverOptions{MasterName: s.MasterName(), SentinelAddrs: s.SentinelAddrs()})
		defer c.Close()
		if err := s.Master().Kill(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		newMaster, err := s.WaitForFailover(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("promoted %s", newMaster.Addr())
	}
	_ = testFailover
}

// Tests that may run against a shared server use ServerURL and keep to the
// prefix it returns.
func ExampleServerURL() {
	testSomething := func(t *testing.T) {
		url, prefix := redistest.ServerURL(t) // STRATA_TEST_REDIS_URL, or a throwaway server
		opts, err := goredis.ParseURL(url)
		if err != nil {
			t.Fatal(err)
		}
		c := goredis.NewClient(opts)
		defer c.Close()
		_ = c.Set(context.Background(), prefix+"user:1", "Ada", time.Minute)
	}
	_ = testSomething
}

// TLS with generated certificates.
func ExampleGenerateTLS() {
	testTLS := func(t *testing.T) {
		files := redistest.GenerateTLS(t, "")
		srv := redistest.StartServer(t, &redistest.Options{TLS: files.Options()})
		c := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), TLSConfig: files.ClientConfig()})
		defer c.Close()
		_ = c.Ping(context.Background()).Err()
	}
	_ = testTLS
}
