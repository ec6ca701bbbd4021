package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

func TestSlotGroups(t *testing.T) {
	var distinct []string
	slots := map[int]bool{}
	for i := 0; len(distinct) < 100; i++ {
		k := fmt.Sprintf("key-%d", i)
		if !slots[Slot(k)] {
			slots[Slot(k)] = true
			distinct = append(distinct, k)
		}
	}
	if g := slotGroups(distinct); g != nil {
		t.Errorf("keys on distinct slots: %d groups, want nil (one command per key)", len(g))
	}
	if g := groupBySlot(distinct); len(g) != len(distinct) || !slices.Equal(g[7], []int{7}) {
		t.Errorf("groupBySlot of keys on distinct slots = %v", g)
	}
	keys := []string{"x", "{a}1", "y", "{a}2", "{b}1", "{b}2", "{a}3"}
	want := [][]int{{0}, {1, 3, 6}, {2}, {4, 5}}
	if g := slotGroups(keys); !slices.EqualFunc(g, want, slices.Equal) {
		t.Errorf("slotGroups = %v, want %v", g, want)
	}
	if g := slotGroups([]string{"{a}1", "{a}2"}); len(g) != 1 || !slices.Equal(g[0], []int{0, 1}) {
		t.Errorf("one shared slot: %v", g)
	}
}

// cmdNames records the names of the commands of every pipeline.
type cmdNames struct {
	countingHook
	mu    sync.Mutex
	names []string
}

func (h *cmdNames) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		h.mu.Lock()
		for _, c := range cmds {
			h.names = append(h.names, c.Name())
		}
		h.mu.Unlock()
		return next(ctx, cmds)
	}
}

// On a Cluster, GetMany reads a key alone on its slot with GET and the keys
// sharing a slot with one MGET, in one pipeline, with the usual results: misses
// omitted, grace honoured.
func TestClusterGetManyMixesGetAndMGet(t *testing.T) {
	for _, grace := range []time.Duration{0, time.Minute} {
		t.Run("grace="+grace.String(), func(t *testing.T) {
			ctx := ctxT(t)
			rdb := client(t, sharedCluster(t).URL())
			hook := &cmdNames{}
			rdb.AddHook(hook)
			a := newTestAdapter(t, rdb, Options{Grace: grace})
			items := map[string][]byte{"{t}a": []byte("A"), "{t}b": nil, "{t}c": []byte("C")}
			keys := []string{"{t}a", "{t}b", "{t}missing", "{t}c"}
			for i := range 20 {
				k := fmt.Sprintf("single-%d", i)
				items[k] = []byte("v" + k)
				keys = append(keys, k, "missing-"+k)
			}
			if err := a.SetMany(ctx, items, time.Hour); err != nil {
				t.Fatal(err)
			}
			hook.mu.Lock()
			hook.names = nil
			hook.mu.Unlock()
			got, err := a.GetMany(ctx, keys)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(items) {
				t.Errorf("GetMany returned %d of %d keys: %v", len(got), len(items), got)
			}
			for k, v := range items {
				if g, ok := got[k]; !ok || string(g) != string(v) {
					t.Errorf("GetMany[%q] = %q, %v; want %q", k, g, ok, v)
				}
			}
			hook.mu.Lock()
			names := hook.names
			hook.mu.Unlock()
			// The 4 {t} keys share a slot; the 40 others may share some too.
			if !slices.Contains(names, "mget") || !slices.Contains(names, "get") || len(names) >= len(keys) {
				t.Errorf("pipeline %v: want GETs and at least the {t} MGET", names)
			}
		})
	}
}

// A key holding another type than a string fails in GetMany as it fails in Get
// (WRONGTYPE), whether the adapter sends MGET (standalone, and keys sharing a slot
// on a Cluster) or GET (a key alone on its slot), and the other keys are still
// served. With grace, a value without the header fails alone too.
func TestGetManyAgreesWithGet(t *testing.T) {
	for name, raw := range map[string]func(testing.TB) string{
		"standalone": serverURL,
		"cluster":    func(t testing.TB) string { return sharedCluster(t).URL() },
	} {
		for _, grace := range []time.Duration{0, time.Minute} {
			t.Run(name+"/grace="+grace.String(), func(t *testing.T) {
				ctx := ctxT(t)
				rdb := client(t, raw(t))
				a := newTestAdapter(t, rdb, Options{Grace: grace, Prefix: redistest.RandomPrefix() + "{g}"})
				for _, k := range []string{"list", "{x}list"} { // {x}list: alone on its slot on a Cluster
					if err := rdb.RPush(ctx, a.Prefix()+k, "x").Err(); err != nil {
						t.Fatal(err)
					}
				}
				if err := a.SetMany(ctx, map[string][]byte{"a": []byte("1"), "b": []byte("2")}, time.Hour); err != nil {
					t.Fatal(err)
				}
				keys := []string{"list", "a", "missing", "b", "{x}list"}
				if grace > 0 {
					if err := rdb.Set(ctx, a.Prefix()+"plain", "no header", time.Hour).Err(); err != nil {
						t.Fatal(err)
					}
					keys = append(keys, "plain")
				}
				got, err := a.GetMany(ctx, keys)
				if len(got) != 2 || string(got["a"]) != "1" || string(got["b"]) != "2" {
					t.Errorf("GetMany = %q; want a and b", got)
				}
				var be *adapter.BatchError
				if !errors.As(err, &be) {
					t.Fatalf("GetMany error = %v; want a *BatchError", err)
				}
				for _, k := range keys {
					_, gerr := a.Get(ctx, k)
					if errors.Is(gerr, adapter.ErrNotFound) || gerr == nil {
						if be.Errs[k] != nil {
							t.Errorf("%s: Get = %v but GetMany failed it: %v", k, gerr, be.Errs[k])
						}
						continue
					}
					if be.Errs[k] == nil {
						t.Errorf("%s: Get = %v but GetMany did not report it", k, gerr)
						continue
					}
					for _, word := range []string{"WRONGTYPE", "grace header"} {
						if strings.Contains(gerr.Error(), word) != strings.Contains(be.Errs[k].Error(), word) {
							t.Errorf("%s: Get says %q, GetMany says %q", k, gerr, be.Errs[k])
						}
					}
				}
			})
		}
	}
}

// An error reply to one of the pipelined GETs of a Cluster GetMany is returned,
// never turned into a miss.
func TestClusterGetManyErrorIsNotAMiss(t *testing.T) {
	ctx := ctxT(t)
	cl := sharedCluster(t)
	admin := client(t, cl.URL()).(*goredis.ClusterClient)
	prefix := redistest.RandomPrefix()
	user := "getmany-" + strings.Trim(strings.TrimPrefix(prefix, "strata-test:"), ":")
	const password = "pw-getmany-1"
	acl := func(args ...any) error {
		return admin.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error {
			return c.Do(ctx, append([]any{"acl"}, args...)...).Err()
		})
	}
	if err := acl("setuser", user, "on", ">"+password, "~"+prefix+"ok:*", "&*", "+@all"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = acl("deluser", user) })
	rdb := goredis.NewClusterClient(&goredis.ClusterOptions{
		Addrs: cl.Addrs(), Username: user, Password: password, ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = rdb.Close() })
	a := newTestAdapter(t, rdb, Options{Prefix: prefix})
	var keys []string
	for i := range 30 {
		keys = append(keys, fmt.Sprintf("ok:%d", i))
	}
	if err := a.SetMany(ctx, map[string][]byte{"ok:1": []byte("1")}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, err := a.GetMany(ctx, keys); err != nil || len(got) != 1 {
		t.Fatalf("GetMany within the ACL = %q, %v", got, err)
	}
	for _, at := range []int{0, 15, 30} { // first, middle, last command
		ks := slices.Insert(slices.Clone(keys), at, "forbidden")
		got, err := a.GetMany(ctx, ks)
		var rerr goredis.Error
		if err == nil || errors.Is(err, adapter.ErrNotFound) || !errors.As(err, &rerr) || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("GetMany with a forbidden key at %d = %d keys, %v; want the server's NOPERM", at, len(got), err)
		}
	}
}
