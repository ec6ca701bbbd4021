package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

func TestClusterSlotMatchesTheServer(t *testing.T) {
	ctx := ctxT(t)
	c := client(t, sharedCluster(t).URL())
	keys := []string{"foo", "{user1000}.following", "{user1000}.followers", "a{b}c", "{}x", "x{", "\x00\xff"}
	for i := range 200 {
		keys = append(keys, fmt.Sprintf("strata:%d:%x", i, i*7919))
	}
	for _, k := range keys {
		want, err := c.ClusterKeySlot(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got := Slot(k); int64(got) != want {
			t.Errorf("Slot(%q) = %d, CLUSTER KEYSLOT says %d", k, got, want)
		}
	}
}

func TestClusterOperationsAcrossSlots(t *testing.T) {
	for _, grace := range []time.Duration{0, time.Minute} {
		t.Run("grace="+grace.String(), func(t *testing.T) {
			ctx := ctxT(t)
			rdb := client(t, sharedCluster(t).URL())
			a := newTestAdapter(t, rdb, Options{Grace: grace})
			neighbour := newTestAdapter(t, rdb, Options{})
			if a.topo != cluster {
				t.Fatalf("topology %v, want cluster", a.topo)
			}
			items := map[string][]byte{}
			var keys []string
			slots := map[int]bool{}
			for i := range 200 {
				k := fmt.Sprintf("key-%d", i)
				items[k] = []byte("value-" + k)
				keys = append(keys, k)
				slots[Slot(a.Prefix()+k)] = true
			}
			if len(slots) < 50 {
				t.Fatalf("only %d slots: the test needs keys spread over the cluster", len(slots))
			}
			if err := a.SetMany(ctx, items, time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := neighbour.SetMany(ctx, items, time.Hour); err != nil {
				t.Fatal(err)
			}
			if got, err := neighbour.GetMany(ctx, keys); err != nil || len(got) != len(keys) {
				for _, k := range keys {
					if _, ok := got[k]; !ok {
						v, err := neighbour.Get(ctx, k)
						t.Logf("missing %q slot %d: Get = %q, %v", k, Slot(neighbour.Prefix()+k), v, err)
					}
				}
				t.Fatalf("SetMany stored %d of %d, %v", len(got), len(keys), err)
			}
			got, err := a.GetMany(ctx, slices.Concat(keys, []string{"missing-1", "missing-2"}))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(items) {
				t.Fatalf("GetMany returned %d of %d", len(got), len(items))
			}
			for k, v := range items {
				if string(got[k]) != string(v) {
					t.Fatalf("GetMany[%q] = %q", k, got[k])
				}
			}
			if v, err := a.Get(ctx, "key-7"); err != nil || string(v) != "value-key-7" {
				t.Fatalf("Get = %q, %v", v, err)
			}
			if v, err := a.UpdateTimeout(ctx, "key-8", time.Minute); err != nil || string(v) != "value-key-8" {
				t.Fatalf("UpdateTimeout = %q, %v", v, err)
			}
			if _, ttl, err := a.GetWithTTL(ctx, "key-8"); err != nil || ttl > time.Minute || ttl < 50*time.Second {
				t.Fatalf("GetWithTTL = %v, %v", ttl, err)
			}
			if grace > 0 {
				// Nodes that lost their script cache (restart, failover) answer
				// NOSCRIPT: the scripts are sent again with their source.
				if err := rdb.(*goredis.ClusterClient).ForEachMaster(ctx, func(ctx context.Context, n *goredis.Client) error {
					return n.ScriptFlush(ctx).Err()
				}); err != nil {
					t.Fatal(err)
				}
			}
			// Remove across slots, with a duplicate: all existed.
			if all, err := a.Remove(ctx, slices.Concat(keys[:100], keys[:1])...); err != nil || !all {
				t.Fatalf("Remove(100 keys) = %v, %v", all, err)
			}
			// Again, plus live ones: not all existed.
			if all, err := a.Remove(ctx, slices.Concat(keys[:100], keys[150:151])...); err != nil || all {
				t.Fatalf("Remove(removed + 1 live) = %v, %v", all, err)
			}
			if err := a.Clear(ctx, ""); err != nil {
				t.Fatal(err)
			}
			if got, err := a.GetMany(ctx, keys); err != nil || len(got) != 0 {
				t.Fatalf("after Clear: %d keys, %v", len(got), err)
			}
			if got, err := neighbour.GetMany(ctx, keys); err != nil || len(got) != len(keys) {
				t.Fatalf("Clear touched another prefix: %d of %d left, %v", len(got), len(keys), err)
			}
			if err := a.Ping(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestClusterHashtagPrefixKeepsKeysOnOneSlot(t *testing.T) {
	ctx := ctxT(t)
	rdb := client(t, sharedCluster(t).URL())
	tag := strings.Trim(redistest.RandomPrefix(), ":")
	a := newTestAdapter(t, rdb, Options{Prefix: "{" + tag + "}:"})
	hook := &countingHook{}
	rdb.AddHook(hook)
	items := map[string][]byte{}
	var keys []string
	for i := range 50 {
		k := fmt.Sprintf("k%d", i)
		items[k], keys = []byte(k), append(keys, k)
		if Slot(a.Prefix()+k) != Slot(a.Prefix()) {
			t.Fatalf("%q is not on the prefix's slot", a.Prefix()+k)
		}
	}
	if err := a.SetMany(ctx, items, time.Hour); err != nil {
		t.Fatal(err)
	}
	hook.reset()
	got, err := a.GetMany(ctx, keys)
	if err != nil || len(got) != len(keys) {
		t.Fatalf("GetMany = %d keys, %v", len(got), err)
	}
	// One round trip: the MGET and the EXISTS that tells other types from misses.
	if cmds, pipes := hook.trips(); cmds != 0 || pipes != 1 || hook.piped.Load() != 2 {
		t.Errorf("GetMany on one slot: %d commands, %d pipelines of %d; want one pipeline (MGET, EXISTS)", cmds, pipes, hook.piped.Load())
	}
	if all, err := a.Remove(ctx, keys...); err != nil || !all {
		t.Fatalf("Remove = %v, %v", all, err)
	}
}

func TestClusterPublishSubscribe(t *testing.T) {
	ctx := ctxT(t)
	raw := sharedCluster(t).URL()
	prefix := redistest.RandomPrefix()
	a := newTestAdapter(t, client(t, raw), Options{Prefix: prefix})
	b := newTestAdapter(t, client(t, raw), Options{Prefix: prefix})
	var rec recorder
	stop, err := b.Subscribe(ctx, rec.onKeys, rec.onReset)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := a.Publish(ctx, "changed"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "no invalidation across the cluster", func() bool { return rec.has("changed") })
}

func TestOpenClusterAndSentinelURLs(t *testing.T) {
	ctx := ctxT(t)
	for name, raw := range map[string]string{
		"cluster":  sharedCluster(t).URL(),
		"sentinel": sharedSentinel(t).URL(),
	} {
		t.Run(name, func(t *testing.T) {
			a, err := OpenURL(ctx, withParams(raw, "prefix="+redistest.RandomPrefix()))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			c := strata.New[string](a, nil)
			if err := c.SetMany(ctx, map[string]string{"a": "1", "b": "2", "c": "3"}, time.Hour); err != nil {
				t.Fatal(err)
			}
			got, err := c.GetMany(ctx, "a", "b", "c", "d")
			if err != nil || len(got) != 3 || got["b"] != "2" {
				t.Fatalf("GetMany = %v, %v", got, err)
			}
			if all, err := c.Remove(ctx, "a", "d"); err != nil || all {
				t.Fatalf("Remove = %v, %v", all, err)
			}
			if err := a.Clear(ctx, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Get(ctx, "b"); !errors.Is(err, adapter.ErrNotFound) {
				t.Fatalf("Get after Clear = %v", err)
			}
			if name == "sentinel" {
				if _, ok := a.Client().(*goredis.Client); !ok {
					t.Errorf("sentinel client is %T", a.Client())
				}
			}
		})
	}
}
