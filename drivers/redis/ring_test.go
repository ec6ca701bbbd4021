package redis

import (
	"errors"
	"fmt"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// A go-redis Ring shards keys on the client: every multi-key operation must be
// split per key, which the adapter does.
func TestRingSplitsBatchesPerKey(t *testing.T) {
	ctx := ctxT(t)
	s1, s2 := redistest.StartServer(t, nil), redistest.StartServer(t, nil)
	ring := goredis.NewRing(&goredis.RingOptions{
		Addrs:                 map[string]string{"s1": s1.Addr(), "s2": s2.Addr()},
		ContextTimeoutEnabled: true,
	})
	defer ring.Close()
	a := newTestAdapter(t, ring, Options{})
	items := map[string][]byte{}
	var keys []string
	for i := range 40 {
		k := fmt.Sprintf("k%d", i)
		items[k], keys = []byte(k), append(keys, k)
	}
	if err := a.SetMany(ctx, items, time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*redistest.Server{s1, s2} {
		n := client(t, s.URL()).DBSize(ctx).Val()
		if n == 0 || n == 40 {
			t.Fatalf("shard %s holds %d of 40 keys: not sharded", s.Addr(), n)
		}
	}
	got, err := a.GetMany(ctx, append(keys, "missing"))
	if err != nil || len(got) != 40 {
		t.Fatalf("GetMany = %d keys, %v", len(got), err)
	}
	if all, err := a.Remove(ctx, keys[:20]...); err != nil || !all {
		t.Fatalf("Remove = %v, %v", all, err)
	}
	if all, err := a.Remove(ctx, keys[15:25]...); err != nil || all {
		t.Fatalf("Remove (half gone) = %v, %v", all, err)
	}
	if err := a.Clear(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(ctx, keys[30]); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("after Clear: %v", err)
	}
}
