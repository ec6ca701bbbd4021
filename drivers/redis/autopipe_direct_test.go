package redis

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
)

// holdDirectGets holds every GET sent on its own (not in a pipeline) until
// release is closed, counting those it holds.
type holdDirectGets struct {
	release chan struct{}
	held    atomic.Int64
}

func (h *holdDirectGets) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *holdDirectGets) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if cmd.Name() == "get" {
			h.held.Add(1)
			<-h.release
		}
		return next(ctx, cmd)
	}
}
func (h *holdDirectGets) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// TestFewConcurrentCallsGoDirect: with auto-pipelining, up to directCallsPerCPU
// calls per CPU in flight each go straight to the client (a batch would only add a
// hand-off while their round trips overlap), and the calls beyond those share
// pipelines.
func TestFewConcurrentCallsGoDirect(t *testing.T) {
	ctx := ctxT(t)
	rdb := client(t, serverURL(t))
	h := &holdDirectGets{release: make(chan struct{})}
	rdb.AddHook(h)
	a := newTestAdapter(t, rdb, Options{AutoPipeline: true})
	release := sync.OnceFunc(func() { close(h.release) })
	defer release() // should the test fail before the calls are released

	direct := directCallsPerCPU * runtime.GOMAXPROCS(0)
	calls := 0
	get := func(wg *sync.WaitGroup) {
		calls++
		key := fmt.Sprint("k", calls) // distinct: reads of one key in a batch share a GET
		wg.Go(func() {
			if _, err := a.Get(ctx, key); !errors.Is(err, adapter.ErrNotFound) {
				t.Error(err)
			}
		})
	}
	var directs, queued sync.WaitGroup
	for range direct {
		get(&directs)
	}
	eventually(t, 10*time.Second, "the first calls do not all go straight to the client", func() bool {
		return h.held.Load() == int64(direct)
	})
	const more = 8
	for range more {
		get(&queued)
	}
	queued.Wait() // they are batched, so the held direct calls do not hold them
	if got := h.held.Load(); got != int64(direct) {
		t.Errorf("%d calls went straight to the client, want %d", got, direct)
	}
	if r := a.Report(); r.PipelineCommands != more {
		t.Errorf("with %d calls in flight, %d more calls: %d commands pipelined, want %d", direct, more, r.PipelineCommands, more)
	}
	release()
	directs.Wait()
}
