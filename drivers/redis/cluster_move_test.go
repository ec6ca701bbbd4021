package redis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

const moveTTL = time.Hour

func moveValue(k string) []byte { return []byte("value-of-" + k) }

// batchedReaders hammer an adapter whose every call goes through the
// autopipeliner: GetWithTTL (GET+PTTL pairs), Get and a few Sets of the same
// value, on keys that all exist with a TTL. They record every reply that is
// wrong (value, TTL, not-found, an error not wrapping ErrUnavailable).
type batchedReaders struct {
	reads, unavailable atomic.Int64
	mu                 sync.Mutex
	bad                []string // first violations
	nBad               int
	seen               []string // first ErrUnavailable errors
	stop               func()
}

func startBatchedReaders(t *testing.T, a *Adapter, all, hot []string, n int) *batchedReaders {
	t.Helper()
	r := &batchedReaders{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	r.stop = sync.OnceFunc(func() { cancel(); wg.Wait() })
	t.Cleanup(r.stop)
	for g := range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				k := all[rand.IntN(len(all))]
				if rand.IntN(2) == 0 {
					k = hot[rand.IntN(len(hot))] // keys of the slots that move
				}
				cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
				var err error
				switch {
				case g%16 == 0:
					err = a.Set(cctx, k, moveValue(k), moveTTL)
				case g%4 == 1:
					var v []byte
					if v, err = a.Get(cctx, k); err == nil && string(v) != string(moveValue(k)) {
						r.violation("Get(%s) = %q", k, v)
					}
				default:
					var v []byte
					var ttl time.Duration
					if v, ttl, err = a.GetWithTTL(cctx, k); err == nil && (string(v) != string(moveValue(k)) || ttl <= 0 || ttl > moveTTL) {
						r.violation("GetWithTTL(%s) = %q, %v", k, v, ttl)
					}
				}
				ccancel()
				switch {
				case err == nil:
					r.reads.Add(1)
				case ctx.Err() != nil: // the test stopped the readers
				case errors.Is(err, adapter.ErrUnavailable):
					r.unavailable.Add(1)
					r.mu.Lock()
					if len(r.seen) < 6 {
						r.seen = append(r.seen, err.Error())
					}
					r.mu.Unlock()
				case errors.Is(err, adapter.ErrNotFound):
					r.violation("false not-found for %s: %v", k, err)
				default:
					r.violation("error not wrapping ErrUnavailable for %s: %v", k, err)
				}
			}
		})
	}
	return r
}

func (r *batchedReaders) violation(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.nBad++; len(r.bad) < 10 {
		r.bad = append(r.bad, fmt.Sprintf(format, args...))
	}
}

// progress waits until the readers have completed n more successful calls.
func (r *batchedReaders) progress(t *testing.T, n int64) {
	t.Helper()
	from := r.reads.Load()
	eventually(t, 30*time.Second, "readers make no progress", func() bool { return r.reads.Load() >= from+n })
}

// violated reports whether a reader has recorded a wrong reply.
func (r *batchedReaders) violated() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nBad > 0
}

// check stops the readers and fails the test on any violation.
func (r *batchedReaders) check(t *testing.T) {
	t.Helper()
	r.stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	t.Logf("%d successful calls, %d ErrUnavailable: %q", r.reads.Load(), r.unavailable.Load(), r.seen)
	if r.nBad > 0 {
		t.Fatalf("%d wrong replies, first: %q", r.nBad, r.bad)
	}
}

// moveFixture starts a cluster, stores 100 keys on one hash slot (a hashtag)
// and 200 spread ones through an adapter that batches every call.
func moveFixture(t *testing.T, opts *redistest.ClusterOptions) (cl *redistest.Cluster, a *Adapter, all, hot []string) {
	cl = redistest.StartCluster(t, opts)
	a = newTestAdapter(t, client(t, cl.URL()), Options{AutoPipeline: true})
	a.autoPipe.always = true // every call in a batch, however few overlap
	items := map[string][]byte{}
	for i := range 300 {
		k := fmt.Sprintf("k%d", i)
		if i < 100 {
			k = fmt.Sprintf("{mv}:%d", i) // all on Slot("mv")
			hot = append(hot, k)
		}
		items[k], all = moveValue(k), append(all, k)
	}
	if err := a.SetMany(ctxT(t), items, moveTTL); err != nil {
		t.Fatal(err)
	}
	return cl, a, all, hot
}

func moveCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func nodeClient(t *testing.T, s *redistest.Server) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: s.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestClusterSlotMoveUnderBatchedReads migrates a slot holding 100 of the keys
// from its master to another with the real protocol (IMPORTING/MIGRATING,
// MIGRATE in batches of 10, SETSLOT NODE), while 32 goroutines read and write
// them through shared batches, so that GET+PTTL pairs and GETs meet ASK and
// MOVED mid-pipeline. It proves that no caller ever sees a wrong value, a
// non-positive TTL, a false not-found or any error: go-redis follows every
// redirect within one batch (observed: zero errors in every run), so none is
// tolerated. Afterwards every key reads back and the slot is on the destination.
func TestClusterSlotMoveUnderBatchedReads(t *testing.T) {
	ctx := moveCtx(t)
	cl, a, all, hot := moveFixture(t, nil)
	slot := Slot(a.Prefix() + hot[0])
	var src, dst *redistest.Server
	for i, m := range cl.Masters() {
		if inRanges(slot, clusterSlotsOf(ctx, t, m)) {
			src, dst = m, cl.Masters()[(i+1)%len(cl.Masters())]
		}
	}
	srcC, dstC := nodeClient(t, src), nodeClient(t, dst)
	srcID, err1 := srcC.Do(ctx, "CLUSTER", "MYID").Text()
	dstID, err2 := dstC.Do(ctx, "CLUSTER", "MYID").Text()
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	r := startBatchedReaders(t, a, all, hot, 32)
	r.progress(t, 500)

	do := func(c *goredis.Client, args ...any) {
		t.Helper()
		if err := c.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("%s: %v: %v", c.Options().Addr, args, err)
		}
	}
	do(dstC, "CLUSTER", "SETSLOT", slot, "IMPORTING", srcID)
	do(srcC, "CLUSTER", "SETSLOT", slot, "MIGRATING", dstID)
	host, port, _ := net.SplitHostPort(dst.Addr())
	batches := 0
	for {
		keys, err := srcC.ClusterGetKeysInSlot(ctx, slot, 10).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) == 0 {
			break
		}
		args := []any{"MIGRATE", host, port, "", 0, 10000, "KEYS"}
		for _, k := range keys {
			args = append(args, k)
		}
		do(srcC, args...)
		batches++
		r.progress(t, 200) // readers meet the slot split between both nodes
	}
	// The destination first, as redis-cli does, then every other master.
	do(dstC, "CLUSTER", "SETSLOT", slot, "NODE", dstID)
	for _, m := range cl.Masters() {
		if m != dst {
			do(nodeClient(t, m), "CLUSTER", "SETSLOT", slot, "NODE", dstID)
		}
	}
	r.progress(t, 2000) // and then the new owner only, through MOVED
	r.check(t)
	if batches < 10 {
		t.Fatalf("the slot moved in %d MIGRATE batches, want 10", batches)
	}
	if r.unavailable.Load() != 0 {
		t.Fatalf("%d calls failed during the move", r.unavailable.Load())
	}
	// The readers did meet both redirects (INFO errorstats counts the replies).
	stats, err := srcC.Info(ctx, "errorstats").Result()
	if err != nil || !strings.Contains(stats, "errorstat_ASK:") || !strings.Contains(stats, "errorstat_MOVED:") {
		t.Fatalf("the source sent no ASK or no MOVED (%v):\n%s", err, stats)
	}
	t.Logf("source %s", strings.Join(strings.Fields(stats)[1:], " "))

	for _, k := range hot {
		if s, err := dstC.ClusterKeySlot(ctx, a.Prefix()+k).Result(); err != nil || s != int64(slot) {
			t.Fatalf("CLUSTER KEYSLOT %s = %d, %v, want %d", k, s, err, slot)
		}
	}
	if n, err := dstC.ClusterCountKeysInSlot(ctx, slot).Result(); err != nil || n != int64(len(hot)) {
		t.Fatalf("destination holds %d keys in slot %d, want %d (%v)", n, slot, len(hot), err)
	}
	if n, err := srcC.ClusterCountKeysInSlot(ctx, slot).Result(); err != nil || n != 0 {
		t.Fatalf("source still holds %d keys in slot %d (%v)", n, slot, err)
	}
	if !inRanges(slot, clusterSlotsOf(ctx, t, dst)) {
		t.Fatalf("%s does not serve slot %d", dst.Addr(), slot)
	}
	for _, k := range all {
		v, ttl, err := a.GetWithTTL(ctx, k)
		if err != nil || string(v) != string(moveValue(k)) || ttl <= 0 || ttl > moveTTL {
			t.Fatalf("after the move GetWithTTL(%s) = %q, %v, %v", k, v, ttl, err)
		}
	}
}

// TestClusterFailoverUnderBatchedReads kills the master of the hot slot while
// 32 goroutines read and write through shared batches, until its replica has
// taken over. It proves that no caller sees a wrong value, a non-positive TTL
// or a false not-found while connections to the master die mid-batch; that
// every error of the switch wraps ErrUnavailable (there are some: the test
// checks the outage was seen); and that afterwards every key reads back.
func TestClusterFailoverUnderBatchedReads(t *testing.T) {
	ctx := moveCtx(t)
	cl, a, all, hot := moveFixture(t, &redistest.ClusterOptions{ReplicasPerMaster: 1})
	slot := Slot(a.Prefix() + hot[0])
	victim := -1
	for i, m := range cl.Masters() {
		if inRanges(slot, clusterSlotsOf(ctx, t, m)) {
			victim = i
		}
	}
	// Every write reached the victim's replica, which must serve all of it.
	if n, err := nodeClient(t, cl.Masters()[victim]).Do(ctx, "WAIT", 1, 10000).Int64(); err != nil || n < 1 {
		t.Fatalf("WAIT 1 = %d, %v", n, err)
	}
	r := startBatchedReaders(t, a, all, hot, 32)
	r.progress(t, 500)
	if err := cl.Masters()[victim].Kill(); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, recoveryBound)
	defer cancel()
	if err := cl.WaitReady(wctx); err != nil {
		t.Fatalf("the replica did not take over: %v", err)
	}
	if !inRanges(slot, clusterSlotsOf(ctx, t, cl.Replicas()[victim])) {
		t.Fatalf("the victim's replica does not serve slot %d", slot)
	}
	// Once a full pass over the keys succeeds, the readers have recovered too. A
	// violation ends the wait early: r.check below reports it.
	var last error
	defer func() {
		if t.Failed() && last != nil {
			t.Logf("last failed read before the timeout: %v", last)
		}
	}()
	eventually(t, recoveryBound, "reads do not all succeed after the failover", func() bool {
		return r.violated() || readAll(ctx, a, all, &last)
	})
	last = nil
	r.progress(t, 500) // calls begun before the recovery have ended
	failed := r.unavailable.Load()
	r.progress(t, 2000)
	r.check(t)
	if n := r.unavailable.Load() - failed; n != 0 {
		t.Fatalf("%d calls failed after the adapter had recovered", n)
	}
	if r.unavailable.Load() == 0 {
		t.Fatal("no call failed: the readers did not meet the outage")
	}
	for _, k := range all {
		if v, err := a.Get(ctx, k); err != nil || string(v) != string(moveValue(k)) {
			t.Fatalf("after the failover Get(%s) = %q, %v", k, v, err)
		}
	}
}

// readAll reports whether every key reads back right, setting *last otherwise.
func readAll(ctx context.Context, a *Adapter, all []string, last *error) bool {
	for _, k := range all {
		if v, ttl, err := a.GetWithTTL(ctx, k); err != nil || string(v) != string(moveValue(k)) || ttl <= 0 {
			*last = fmt.Errorf("GetWithTTL(%s) = %q, %v, %w", k, v, ttl, err)
			return false
		}
	}
	return true
}
