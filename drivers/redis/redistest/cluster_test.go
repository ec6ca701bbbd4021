package redistest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

func clusterClient(t *testing.T, addrs []string) *goredis.ClusterClient {
	t.Helper()
	c := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestCluster(t *testing.T) {
	start := time.Now()
	cl := redistest.StartCluster(t, nil)
	t.Logf("3-master cluster formed in %s", time.Since(start))
	ctx := ctxT(t, 30*time.Second)

	if n := len(cl.Addrs()); n != 3 || len(cl.Nodes()) != 3 || len(cl.Replicas()) != 0 {
		t.Fatalf("Addrs %v, %d nodes, %d replicas", cl.Addrs(), len(cl.Nodes()), len(cl.Replicas()))
	}
	if want := "redis+cluster://" + strings.Join(cl.Addrs(), ","); cl.URL() != want {
		t.Fatalf("URL = %q, want %q", cl.URL(), want)
	}
	c := clusterClient(t, cl.Addrs())
	slots, err := c.ClusterSlots(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	covered := 0
	for _, s := range slots {
		covered += s.End - s.Start + 1
	}
	if covered != 16384 || len(slots) != 3 {
		t.Fatalf("%d slots in %d ranges, want 16384 in 3", covered, len(slots))
	}
	// Keys land on different masters; each is readable through the client.
	for i := range 50 {
		k := fmt.Sprintf("key-%d", i)
		if err := c.Set(ctx, k, i, 0).Err(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
	}
	for i := range 50 {
		k := fmt.Sprintf("key-%d", i)
		if got, err := c.Get(ctx, k).Int(); err != nil || got != i {
			t.Fatalf("GET %s = %d, %v", k, got, err)
		}
	}
	// Every master holds some of them: the slots really are spread.
	for _, n := range cl.Masters() {
		single := client(t, &goredis.Options{Addr: n.Addr()})
		if size, err := single.DBSize(ctx).Result(); err != nil || size == 0 {
			t.Fatalf("master %s holds %d keys (%v)", n.Addr(), size, err)
		}
	}
}

func TestClusterFailover(t *testing.T) {
	start := time.Now()
	cl := redistest.StartCluster(t, &redistest.ClusterOptions{ReplicasPerMaster: 1, Password: "pw"})
	t.Logf("3+3 cluster formed in %s", time.Since(start))
	ctx := ctxT(t, 90*time.Second)
	if len(cl.Nodes()) != 6 || len(cl.Replicas()) != 3 {
		t.Fatalf("%d nodes, %d replicas", len(cl.Nodes()), len(cl.Replicas()))
	}
	if !strings.HasPrefix(cl.URL(), "redis+cluster://:pw@127.0.0.1:") || strings.Contains(cl.RedactedURL(), "pw@") {
		t.Fatalf("URL %q, RedactedURL %q", cl.URL(), cl.RedactedURL())
	}
	c := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: cl.Addrs(), Password: "pw"})
	t.Cleanup(func() { c.Close() })
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}

	// Kill the master owning slot 0; its replica must take over.
	victim, heir := cl.Masters()[0], cl.Replicas()[0]
	if err := victim.Kill(); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if err := cl.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("replica took over in %s", time.Since(start))
	heirClient := client(t, &goredis.Options{Addr: heir.Addr(), Password: "pw"})
	info, err := heirClient.Info(ctx, "replication").Result()
	if err != nil || !strings.Contains(info, "role:master") {
		t.Fatalf("replica of the killed master is not master: %v\n%s", err, info)
	}

	// The old master comes back empty and rejoins as a replica.
	if err := victim.Restart(); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if err := cl.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("restarted node rejoined in %s", time.Since(start))
	vc := client(t, &goredis.Options{Addr: victim.Addr(), Password: "pw"})
	if info, err := vc.Info(ctx, "replication").Result(); err != nil || !strings.Contains(info, "role:slave") {
		t.Fatalf("restarted master did not become a replica: %v\n%s", err, info)
	}
	if err := c.Set(ctx, "after", "failover", 0).Err(); err != nil {
		t.Fatalf("SET after failover: %v", err)
	}
}

func TestClusterTLS(t *testing.T) {
	files := redistest.GenerateTLS(t, "")
	cl := redistest.StartCluster(t, &redistest.ClusterOptions{ReplicasPerMaster: 1, TLS: files.Options()})
	if !strings.HasPrefix(cl.URL(), "rediss+cluster://127.0.0.1:") {
		t.Fatalf("URL = %s", cl.URL())
	}
	ctx := ctxT(t, 30*time.Second)
	c := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: cl.Addrs(), TLSConfig: files.ClientConfig()})
	t.Cleanup(func() { c.Close() })
	for i := range 20 {
		if err := c.Set(ctx, fmt.Sprintf("k%d", i), i, 0).Err(); err != nil {
			t.Fatalf("SET over TLS: %v", err)
		}
	}
	// Replication runs over TLS too (tls-replication): the replicas are in
	// sync, which WaitReady checked, and hold the keys.
	if err := c.ForEachShard(ctx, func(ctx context.Context, shard *goredis.Client) error {
		return shard.Ping(ctx).Err()
	}); err != nil {
		t.Fatal(err)
	}
}
