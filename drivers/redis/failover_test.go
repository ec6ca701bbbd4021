package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// recoveryBound is how long after a failover the adapter may take to serve
// again. A failover itself takes a few seconds; the rest is margin for a
// loaded 2-core CI machine.
const recoveryBound = 30 * time.Second

// probe calls op until it succeeds, each attempt bounded by perTry, and
// reports when the first success happened and the distinct errors seen.
type probe struct {
	mu     sync.Mutex
	errs   []string
	done   chan struct{}
	okAt   time.Time
	failed int
}

func startProbe(ctx context.Context, perTry time.Duration, op func(context.Context) error) *probe {
	p := &probe{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for ctx.Err() == nil {
			tctx, cancel := context.WithTimeout(ctx, perTry)
			err := op(tctx)
			cancel()
			if err == nil {
				p.mu.Lock()
				p.okAt = time.Now()
				p.mu.Unlock()
				return
			}
			p.mu.Lock()
			p.failed++
			if msg := err.Error(); !slices.Contains(p.errs, msg) && len(p.errs) < 10 {
				p.errs = append(p.errs, msg)
			}
			p.mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return p
}

// wait returns when the probe first succeeded, or fails the test after d.
func (p *probe) wait(t *testing.T, d time.Duration, what string) time.Time {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		p.mu.Lock()
		defer p.mu.Unlock()
		t.Fatalf("%s: no success within %v; %d failures, errors seen: %q", what, d, p.failed, p.errs)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.okAt.IsZero() {
		t.Fatalf("%s: probe ended without success (ctx ended); errors seen: %q", what, p.errs)
	}
	t.Logf("%s: %d failed attempts; errors seen: %q", what, p.failed, p.errs)
	return p.okAt
}

// TestSentinelFailover kills the Sentinel-managed master under an adapter
// opened from a redis+sentinel:// URL and checks that, once the sentinel has
// promoted the replica, the same adapter reads the earlier keys and writes
// new ones on the new master, and that an invalidation subscription resets
// and then works again.
func TestSentinelFailover(t *testing.T) {
	ctx := ctxT(t)
	s := redistest.StartSentinel(t, nil)
	oldMaster, replica := s.Master(), s.Replica()
	prefix := redistest.RandomPrefix()
	raw := withParams(s.URL(), "prefix="+prefix)

	c, err := strata.Open[string](ctx, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	a := c.Adapter().(*Adapter)

	// A second process's adapter, subscribed to invalidations.
	sub, err := OpenURL(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	var rec recorder
	stop, err := sub.Subscribe(ctx, rec.onKeys, rec.onReset)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := a.Publish(ctx, "before"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "no invalidation before the failover", func() bool { return rec.has("before") })

	want := map[string]string{}
	var keys []string
	for i := range 20 {
		k := fmt.Sprintf("k%d", i)
		want[k], keys = "v"+k, append(keys, k)
	}
	if err := c.SetMany(ctx, want, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "single", "one", adapter.NoExpiration); err != nil {
		t.Fatal(err)
	}
	// Make sure the replica has them before the master dies.
	m := goredis.NewClient(&goredis.Options{Addr: oldMaster.Addr()})
	n, err := m.Do(ctx, "WAIT", 1, 10000).Int64()
	_ = m.Close()
	if err != nil || n < 1 {
		t.Fatalf("WAIT 1 on the master = %d, %v: the replica did not acknowledge the writes", n, err)
	}

	if err := oldMaster.Kill(); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()

	// From the moment of the kill, try a write and a read through the adapter
	// until both succeed: how long users of the adapter see errors.
	pctx, cancelProbe := context.WithTimeout(ctx, recoveryBound+10*time.Second)
	defer cancelProbe()
	p := startProbe(pctx, time.Second, func(ctx context.Context) error {
		if err := c.Set(ctx, "probe", "after", time.Hour); err != nil {
			return err
		}
		v, err := c.Get(ctx, "probe")
		if err != nil {
			return err
		}
		if v != "after" {
			return fmt.Errorf("Get(probe) = %q", v)
		}
		return nil
	})

	wctx, cancel := context.WithTimeout(ctx, recoveryBound)
	next, err := s.WaitForFailover(wctx)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	promotedAt := time.Now()
	if next != replica {
		t.Fatalf("new master %s, want the replica %s", next.Addr(), replica.Addr())
	}
	okAt := p.wait(t, recoveryBound, "adapter after the master was killed")
	t.Logf("sentinel failover took %v; the adapter was unavailable for %v (%v after the sentinel named the new master)",
		promotedAt.Sub(killedAt).Round(time.Millisecond), okAt.Sub(killedAt).Round(time.Millisecond),
		max(0, okAt.Sub(promotedAt)).Round(time.Millisecond))

	// The same adapter now serves from the promoted replica: the earlier keys
	// are there, new writes land on it.
	got, err := c.GetMany(ctx, keys...)
	if err != nil {
		t.Fatalf("GetMany after failover: %v", err)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("after failover %s = %q, want %q", k, got[k], v)
		}
	}
	if v, err := c.Get(ctx, "single"); err != nil || v != "one" {
		t.Errorf("Get(single) after failover = %q, %v", v, err)
	}
	if v, err := c.UpdateTimeout(ctx, "k3", time.Minute); err != nil || v != "vk3" {
		t.Errorf("UpdateTimeout after failover = %q, %v", v, err)
	}
	if err := c.Set(ctx, "new", "written after", time.Hour); err != nil {
		t.Fatal(err)
	}
	nm := goredis.NewClient(&goredis.Options{Addr: next.Addr()})
	defer nm.Close()
	if role, err := nm.Do(ctx, "ROLE").Slice(); err != nil || len(role) == 0 || role[0] != "master" {
		t.Fatalf("ROLE of %s = %v, %v", next.Addr(), role, err)
	}
	if v, err := nm.Get(ctx, prefix+"new").Result(); err != nil || v == "" {
		t.Errorf("the write after failover is not on the new master: %q, %v", v, err)
	}
	if all, err := c.Remove(ctx, "k0", "k1"); err != nil || !all {
		t.Errorf("Remove after failover = %v, %v", all, err)
	}
	if err := a.Ping(ctx); err != nil {
		t.Errorf("Ping after failover: %v", err)
	}

	// The subscription lost its connection: it reported a reset, and
	// invalidations flow again through the new master.
	eventually(t, recoveryBound, "the subscriber never reported a reset", func() bool {
		_, _, _, resets := rec.snapshot()
		return resets > 0
	})
	eventually(t, recoveryBound, "no invalidation after the failover", func() bool {
		if err := a.Publish(ctx, "after"); err != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond)
		return rec.has("after")
	})
}

// TestClusterMasterFailover kills one master of a cluster with a replica per
// master under an adapter opened from a redis+cluster:// URL, and checks that
// after the replica takes over the adapter serves every slot again, with the
// earlier keys, and batches across slots work.
func TestClusterMasterFailover(t *testing.T) {
	ctx := ctxT(t)
	cl := redistest.StartCluster(t, &redistest.ClusterOptions{ReplicasPerMaster: 1})
	victim := cl.Masters()[1]
	prefix := redistest.RandomPrefix()
	c, err := strata.Open[string](ctx, withParams(cl.URL(), "prefix="+prefix), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	a := c.Adapter().(*Adapter)

	want := map[string]string{}
	var keys []string
	onVictim := 0
	victimSlots := clusterSlotsOf(ctx, t, victim)
	for i := range 300 {
		k := fmt.Sprintf("key-%d", i)
		want[k], keys = "value-"+k, append(keys, k)
		if inRanges(Slot(prefix+k), victimSlots) {
			onVictim++
		}
	}
	if onVictim < 20 {
		t.Fatalf("only %d of %d keys on the master to be killed", onVictim, len(keys))
	}
	if err := c.SetMany(ctx, want, time.Hour); err != nil {
		t.Fatal(err)
	}
	// Every write to the victim reached its replica.
	vc := goredis.NewClient(&goredis.Options{Addr: victim.Addr()})
	n, err := vc.Do(ctx, "WAIT", 1, 10000).Int64()
	_ = vc.Close()
	if err != nil || n < 1 {
		t.Fatalf("WAIT 1 on %s = %d, %v", victim.Addr(), n, err)
	}

	if err := victim.Kill(); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	pctx, cancelProbe := context.WithTimeout(ctx, recoveryBound+10*time.Second)
	defer cancelProbe()
	p := startProbe(pctx, time.Second, func(ctx context.Context) error {
		got, err := c.GetMany(ctx, keys...)
		if err != nil {
			return err
		}
		if len(got) != len(keys) {
			return fmt.Errorf("GetMany: %d of %d keys", len(got), len(keys))
		}
		return nil
	})
	wctx, cancel := context.WithTimeout(ctx, recoveryBound)
	err = cl.WaitReady(wctx)
	cancel()
	if err != nil {
		t.Fatalf("cluster did not recover: %v", err)
	}
	readyAt := time.Now()
	okAt := p.wait(t, recoveryBound, "GetMany across slots after the master was killed")
	t.Logf("cluster failover took %v; GetMany across slots failed for %v (%v after the cluster was ready)",
		readyAt.Sub(killedAt).Round(time.Millisecond), okAt.Sub(killedAt).Round(time.Millisecond),
		max(0, okAt.Sub(readyAt)).Round(time.Millisecond))

	// The victim's replica now owns its slots.
	promoted := cl.Replicas()[1]
	if slots := clusterSlotsOf(ctx, t, promoted); !slices.Equal(slots, victimSlots) {
		t.Fatalf("replica %s owns %v, want the killed master's %v", promoted.Addr(), slots, victimSlots)
	}

	got, err := c.GetMany(ctx, keys...)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("after failover %s = %q, want %q", k, got[k], v)
		}
	}
	// Writes and removals on every slot, through the same adapter.
	fresh := map[string]string{}
	for _, k := range keys {
		fresh[k] = "fresh-" + k
	}
	if err := c.SetMany(ctx, fresh, time.Hour); err != nil {
		t.Fatalf("SetMany after failover: %v", err)
	}
	for _, k := range keys[:30] {
		if v, err := c.Get(ctx, k); err != nil || v != fresh[k] {
			t.Fatalf("Get(%s) after failover = %q, %v", k, v, err)
		}
	}
	if all, err := c.Remove(ctx, keys...); err != nil || !all {
		t.Fatalf("Remove across slots after failover = %v, %v", all, err)
	}
	if got, err := c.GetMany(ctx, keys...); err != nil || len(got) != 0 {
		t.Fatalf("after Remove: %d keys, %v", len(got), err)
	}
	if err := a.Ping(ctx); err != nil {
		t.Errorf("Ping (every master) after failover: %v", err)
	}
	if err := a.Clear(ctx, ""); err != nil {
		t.Errorf("Clear (every master) after failover: %v", err)
	}
}

// clusterSlotsOf returns the slot ranges node serves as master, sorted, from
// CLUSTER SLOTS asked of the node itself.
func clusterSlotsOf(ctx context.Context, t *testing.T, node *redistest.Server) [][2]int {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: node.Addr()})
	defer c.Close()
	slots, err := c.ClusterSlots(ctx).Result()
	if err != nil {
		t.Fatalf("CLUSTER SLOTS on %s: %v", node.Addr(), err)
	}
	var out [][2]int
	for _, s := range slots {
		if len(s.Nodes) > 0 && s.Nodes[0].Addr == node.Addr() {
			out = append(out, [2]int{int(s.Start), int(s.End)})
		}
	}
	slices.SortFunc(out, func(a, b [2]int) int { return a[0] - b[0] })
	if len(out) == 0 {
		t.Fatalf("%s serves no slots", node.Addr())
	}
	return out
}

func inRanges(slot int, ranges [][2]int) bool {
	for _, r := range ranges {
		if slot >= r[0] && slot <= r[1] {
			return true
		}
	}
	return false
}

// TestPausedServerHonoursDeadlines freezes the server (SIGSTOP) under an
// adapter opened from a URL with go-redis's default timeouts (3s reads): every
// operation with a 200ms deadline fails with context.DeadlineExceeded well
// before the read timeout, and the adapter works again after Resume.
func TestPausedServerHonoursDeadlines(t *testing.T) {
	for _, grace := range []time.Duration{0, time.Minute} {
		t.Run("grace="+grace.String(), func(t *testing.T) {
			ctx := ctxT(t)
			srv := redistest.StartServer(t, nil)
			raw := withParams(srv.URL(), "prefix="+redistest.RandomPrefix())
			if grace > 0 {
				raw = withParams(raw, "grace="+grace.String())
			}
			a, err := OpenURL(ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = a.Close() })
			if err := a.SetMany(ctx, map[string][]byte{"k": []byte("v"), "j": []byte("w")}, time.Hour); err != nil {
				t.Fatal(err)
			}
			resume := pause(t, srv)
			const deadline = 200 * time.Millisecond
			// Well under the 3s read timeout plus go-redis's retries, which is
			// what an ignored deadline would cost, and generous for a loaded
			// machine.
			const bound = 2500 * time.Millisecond
			ops := []struct {
				name string
				call func(context.Context) error
			}{
				{"Get", func(ctx context.Context) error { _, err := a.Get(ctx, "k"); return err }},
				{"Set", func(ctx context.Context) error { return a.Set(ctx, "k", []byte("v2"), time.Hour) }},
				{"GetMany", func(ctx context.Context) error { _, err := a.GetMany(ctx, []string{"k", "j", "x"}); return err }},
				{"SetMany", func(ctx context.Context) error {
					return a.SetMany(ctx, map[string][]byte{"k": []byte("v3"), "j": []byte("w3")}, time.Hour)
				}},
				{"Remove", func(ctx context.Context) error { _, err := a.Remove(ctx, "gone"); return err }},
				{"UpdateTimeout", func(ctx context.Context) error { _, err := a.UpdateTimeout(ctx, "k", time.Hour); return err }},
				{"GetWithTTL", func(ctx context.Context) error { _, _, err := a.GetWithTTL(ctx, "k"); return err }},
				{"Ping", func(ctx context.Context) error { return a.Ping(ctx) }},
			}
			var wg sync.WaitGroup
			results := make([]string, len(ops))
			took := make([]time.Duration, len(ops))
			// Once sequentially (one connection after another times out), then
			// all at once (several connections stuck together).
			for _, parallel := range []bool{false, true} {
				for i, op := range ops {
					run := func() {
						dctx, cancel := context.WithTimeout(ctx, deadline)
						defer cancel()
						start := time.Now()
						err := op.call(dctx)
						took[i] = time.Since(start)
						switch {
						case !errors.Is(err, context.DeadlineExceeded):
							results[i] = fmt.Sprintf("%s (parallel=%v) = %v, want context.DeadlineExceeded", op.name, parallel, err)
						case errors.Is(err, adapter.ErrNotFound):
							results[i] = fmt.Sprintf("%s (parallel=%v): a timeout reported as a miss: %v", op.name, parallel, err)
						case took[i] > bound:
							results[i] = fmt.Sprintf("%s (parallel=%v) took %v with a %v deadline", op.name, parallel, took[i], deadline)
						default:
							results[i] = ""
						}
					}
					if parallel {
						wg.Go(run)
					} else {
						run()
					}
				}
				wg.Wait()
				t.Logf("parallel=%v: the slowest call with a %v deadline took %v", parallel, deadline, slices.Max(took).Round(time.Millisecond))
				for _, r := range results {
					if r != "" {
						t.Error(r)
					}
				}
			}

			resume()
			// Abandoned commands (the Set of v2, v3) may still run when the
			// server resumes, so write afresh and read back.
			var last error
			eventually(t, 10*time.Second, "the adapter did not recover after Resume", func() bool {
				if err := a.Set(ctx, "k", []byte("final"), time.Hour); err != nil {
					last = err
					return false
				}
				v, err := a.Get(ctx, "k")
				last = err
				return err == nil && string(v) == "final"
			})
			if last != nil {
				t.Fatal(last)
			}
			if v, err := a.UpdateTimeout(ctx, "k", time.Minute); err != nil || string(v) != "final" {
				t.Fatalf("UpdateTimeout after Resume = %q, %v", v, err)
			}
			if got, err := a.GetMany(ctx, []string{"k"}); err != nil || string(got["k"]) != "final" {
				t.Fatalf("GetMany after Resume = %q, %v", got, err)
			}
		})
	}
}

// pause stops srv (SIGSTOP) and returns a function that resumes it (once); the
// server is resumed at the end of the test if the function was not called.
func pause(t *testing.T, srv *redistest.Server) (resume func()) {
	t.Helper()
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	resume = func() {
		once.Do(func() {
			if err := srv.Resume(); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(resume)
	return resume
}
