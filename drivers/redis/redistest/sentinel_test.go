package redistest_test

import (
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

func TestSentinelFailover(t *testing.T) {
	start := time.Now()
	s := redistest.StartSentinel(t, &redistest.SentinelOptions{Password: "pw"})
	t.Logf("sentinel set-up ready in %s", time.Since(start))
	ctx := ctxT(t, 60*time.Second)

	if s.MasterName() != "mymaster" || len(s.SentinelAddrs()) != 1 {
		t.Fatalf("MasterName %q, SentinelAddrs %v", s.MasterName(), s.SentinelAddrs())
	}
	if want := "redis+sentinel://:pw@" + s.SentinelAddrs()[0] + "/mymaster/0"; s.URL() != want {
		t.Fatalf("URL = %q, want %q", s.URL(), want)
	}
	if addr, err := s.CurrentMasterAddr(ctx); err != nil || addr != s.Master().Addr() {
		t.Fatalf("CurrentMasterAddr = %q, %v; want %s", addr, err, s.Master().Addr())
	}
	c := goredis.NewFailoverClient(&goredis.FailoverOptions{
		MasterName: s.MasterName(), SentinelAddrs: s.SentinelAddrs(), Password: "pw",
	})
	t.Cleanup(func() { c.Close() })
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	// Replication is asynchronous: without WAIT the kill below can beat the
	// write to the replica, and the key is legitimately lost.
	if n, err := c.Do(ctx, "WAIT", 1, 5000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT = %d, %v", n, err)
	}

	if err := s.Master().Kill(); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	next, err := s.WaitForFailover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("failover took %s", time.Since(start))
	if next != s.Replica() {
		t.Fatalf("new master %s, want the replica %s", next.Addr(), s.Replica().Addr())
	}
	if addr, err := s.CurrentMasterAddr(ctx); err != nil || addr != s.Replica().Addr() {
		t.Fatalf("CurrentMasterAddr = %q, %v; want %s", addr, err, s.Replica().Addr())
	}
	// The replica had the key before the kill (WAIT): it survived.
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := c.Get(ctx, "k").Result()
		if err == nil && got == "v" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET through the failover client after failover = %q, %v", got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("failover client read the key %s after the failover", time.Since(start))
	if err := c.Set(ctx, "k2", "v2", 0).Err(); err != nil {
		t.Fatalf("SET on the new master: %v", err)
	}

	// The old master comes back and sentinel makes it a replica.
	if err := s.Master().Restart(); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	old := client(t, &goredis.Options{Addr: s.Master().Addr(), Password: "pw"})
	deadline = time.Now().Add(30 * time.Second)
	for {
		info, err := old.Info(ctx, "replication").Result()
		if err == nil && strings.Contains(info, "role:slave") && strings.Contains(info, "master_port:"+itoa(s.Replica().Port())) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("old master was not turned into a replica: %v\n%s", err, info)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("sentinel reconfigured the restarted master in %s", time.Since(start))
}
