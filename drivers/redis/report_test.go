package redis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// TestReportBreaker kills the server: BreakerOpen turns true and BreakerOpens
// counts one opening; after Restart, BreakerOpen turns false again once the probe
// got an answer, and BreakerOpens stays 1. An adapter with the breaker off reports
// neither.
func TestReportBreaker(t *testing.T) {
	srv := redistest.StartServer(t, nil)
	a, err := OpenURL(ctxT(t), withParams(srv.URL(), "prefix="+redistest.RandomPrefix()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	off, err := OpenURL(ctxT(t), withParams(srv.URL(), "prefix="+redistest.RandomPrefix()+"&breaker_threshold=off"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = off.Close() })
	if err := a.Set(ctxT(t), "k0", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if r := a.Report(); r.Driver != "redis" || r.BreakerOpen || r.BreakerOpens != 0 {
		t.Fatalf("Report with the server up = %+v", r)
	}

	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	openBreaker(t, a, DefaultBreakerThreshold)
	if r := a.Report(); !r.BreakerOpen || r.BreakerOpens != 1 {
		t.Fatalf("Report with the breaker open = %+v; want BreakerOpen and 1 opening", r)
	}
	for range 2 * DefaultBreakerThreshold {
		_, _ = a.Get(context.Background(), "k0") // refused at once: no new opening
		_, _ = off.Get(context.Background(), "k0")
	}
	if r := a.Report(); !r.BreakerOpen || r.BreakerOpens != 1 {
		t.Fatalf("Report after calls refused by the open breaker = %+v; want 1 opening", r)
	}
	if r := off.Report(); r.BreakerOpen || r.BreakerOpens != 0 {
		t.Errorf("Report of an adapter without breaker = %+v", r)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, recoverBound, "BreakerOpen is still true after the server is back", func() bool { return !a.Report().BreakerOpen })
	if _, err := a.Get(ctxT(t), "k0"); err != nil && !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("Get once the breaker closed: %v", err)
	}
	if r := a.Report(); r.BreakerOpen || r.BreakerOpens != 1 {
		t.Errorf("Report after recovery = %+v; want the breaker closed, opened once", r)
	}
}

// gatedHook holds every pipeline of GETs until release is closed, and counts
// them and the commands in them, as they reach go-redis. Other pipelines (go-redis
// initialising a new connection) pass.
type gatedHook struct {
	release      chan struct{}
	pipes, piped atomic.Int64
}

func (h *gatedHook) DialHook(next goredis.DialHook) goredis.DialHook          { return next }
func (h *gatedHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook { return next }
func (h *gatedHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if len(cmds) == 0 || cmds[0].Name() != "get" {
			return next(ctx, cmds)
		}
		<-h.release
		h.pipes.Add(1)
		h.piped.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// TestReportPipeline: calls made one at a time go straight to the client and
// count in no pipeline; n calls made together, held until all of them are queued
// or in a batch, count n commands in at least one and far fewer than n batches,
// exactly the pipelines and commands that reached go-redis.
func TestReportPipeline(t *testing.T) {
	ctx := ctxT(t)
	rdb := client(t, serverURL(t))
	h := &gatedHook{release: make(chan struct{})}
	rdb.AddHook(h)
	a := newTestAdapter(t, rdb, Options{AutoPipeline: true})
	for range 20 {
		if _, err := a.Get(ctx, "k"); !errors.Is(err, adapter.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if r := a.Report(); r.PipelineBatches != 0 || r.PipelineCommands != 0 {
		t.Fatalf("Report after serial calls = %+v; want no pipeline", r)
	}

	a.autoPipe.always = true // no call runs alone: each is in some batch
	release := sync.OnceFunc(func() { close(h.release) })
	defer release() // should the test fail before the calls are released
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// Distinct keys: reads of one key in a batch share a GET.
			if _, err := a.Get(ctx, fmt.Sprint("k", i)); !errors.Is(err, adapter.ErrNotFound) {
				t.Error(err)
			}
		})
	}
	eventually(t, 10*time.Second, "the calls are not all in flight", func() bool { return a.autoPipe.inflight.Load() == n })
	release()
	wg.Wait()
	r := a.Report()
	t.Logf("%d concurrent calls: %d pipelines, %d commands", n, r.PipelineBatches, r.PipelineCommands)
	if r.PipelineCommands != n || r.PipelineBatches < 1 || r.PipelineBatches > n/2 {
		t.Errorf("Report after %d concurrent calls = %+v; want %d commands in 1 to %d pipelines", n, r, n, n/2)
	}
	if int64(r.PipelineBatches) != h.pipes.Load() || int64(r.PipelineCommands) != h.piped.Load() {
		t.Errorf("Report counts %d pipelines of %d commands; go-redis got %d of %d",
			r.PipelineBatches, r.PipelineCommands, h.pipes.Load(), h.piped.Load())
	}
	if r := (&Adapter{}).Report(); r.PipelineBatches != 0 || r.Driver != "redis" {
		t.Errorf("Report without auto-pipeline = %+v", r)
	}
}

// TestReportInvalidations: Publish counts its keys (not a call with none); a
// subscription counts the keys other adapters publish, not its own adapter's even
// when SubscribeAll delivers them; an adapter that does not subscribe receives
// nothing.
func TestReportInvalidations(t *testing.T) {
	ctx := ctxT(t)
	raw := serverURL(t)
	prefix := redistest.RandomPrefix()
	a := newTestAdapter(t, client(t, raw), Options{Prefix: prefix})
	b := newTestAdapter(t, client(t, raw), Options{Prefix: prefix})
	quiet := newTestAdapter(t, client(t, raw), Options{Prefix: prefix})
	var onA, onB recorder
	stopA, err := a.SubscribeAll(ctx, onA.onAll, onA.onReset)
	if err != nil {
		t.Fatal(err)
	}
	defer stopA()
	stopB, err := b.Subscribe(ctx, onB.onKeys, onB.onReset)
	if err != nil {
		t.Fatal(err)
	}
	defer stopB()

	if err := a.Publish(ctx, "k1", "k2"); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if r := a.Report(); r.InvalidationsPublished != 2 {
		t.Errorf("Report after publishing 2 keys = %+v", r)
	}
	eventually(t, 5*time.Second, "B did not count A's keys", func() bool { return b.Report().InvalidationsReceived == 2 })
	eventually(t, 5*time.Second, "A's SubscribeAll did not deliver its own keys", func() bool { return onA.has("k2") })

	if err := b.Publish(ctx, "k3"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "A did not count B's key", func() bool { return a.Report().InvalidationsReceived == 1 })
	eventually(t, 5*time.Second, "B's own key", func() bool { return onA.has("k3") })
	ra, rb, rq := a.Report(), b.Report(), quiet.Report()
	switch {
	case ra.InvalidationsPublished != 2 || ra.InvalidationsReceived != 1:
		t.Errorf("A: %+v; want 2 published, 1 received (its own 2 keys are not)", ra)
	case rb.InvalidationsPublished != 1 || rb.InvalidationsReceived != 2:
		t.Errorf("B: %+v; want 1 published, 2 received", rb)
	case rq.InvalidationsPublished != 0 || rq.InvalidationsReceived != 0:
		t.Errorf("an adapter without subscription: %+v", rq)
	case ra.Resets != 0 || rb.Resets != 0:
		t.Errorf("resets on a healthy connection: %d and %d", ra.Resets, rb.Resets)
	}
}

// TestReportResets: a subscription's resets are counted, once per onReset call:
// for an unreadable message on the channel, and for a server restart (the lost
// connection and its re-establishment).
func TestReportResets(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.StartServer(t, nil)
	a := newTestAdapter(t, client(t, srv.URL()), Options{})
	var rec recorder
	stop, err := a.Subscribe(ctx, rec.onKeys, rec.onReset)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if r := a.Report(); r.Resets != 0 {
		t.Fatalf("Report of a new subscription = %+v", r)
	}
	if err := client(t, srv.URL()).Publish(ctx, a.Channel(), "not an invalidation").Err(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "an unreadable message was not counted as a reset", func() bool { return a.Report().Resets == 1 })

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "the restart was not counted", func() bool { return a.Report().Resets >= 3 })
	_, _, _, resets := rec.snapshot()
	if got := a.Report().Resets; got != uint64(resets) {
		t.Errorf("Report.Resets = %d; onReset was called %d times", got, resets)
	}
}
