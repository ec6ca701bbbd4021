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
)

// pipeGate holds the first pipeline sent after it is armed until released, and
// counts the commands of each pipeline after that one.
type pipeGate struct {
	armed, held atomic.Bool
	release     chan struct{}
	open        func() // closes release, once
	mu          sync.Mutex
	after       []int // commands per pipeline sent after the held one
}

func (g *pipeGate) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (g *pipeGate) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return next
}
func (g *pipeGate) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if g.armed.Load() {
			if !g.held.Swap(true) {
				<-g.release
			} else {
				g.mu.Lock()
				g.after = append(g.after, len(cmds))
				g.mu.Unlock()
			}
		}
		return next(ctx, cmds)
	}
}

// gatedAdapter returns an adapter on the server at rawURL that queues every call
// into one batch runner, and its gate: once armed, the first batch is held until
// released, so that the calls made meanwhile all land in the next batch.
func gatedAdapter(t *testing.T, rawURL string) (*Adapter, *pipeGate) {
	t.Helper()
	rdb := client(t, rawURL)
	g := &pipeGate{release: make(chan struct{})}
	g.open = sync.OnceFunc(func() { close(g.release) })
	rdb.AddHook(g)
	a := newTestAdapter(t, rdb, Options{AutoPipeline: true})
	a.autoPipe.always, a.autoPipe.maxRuns = true, 1
	t.Cleanup(g.open) // should the test fail while the gate holds a batch
	return a, g
}

// hold arms g and sends a call that the gate holds, returning once it is held.
func (g *pipeGate) hold(t *testing.T, ctx context.Context, a *Adapter, wg *sync.WaitGroup) {
	t.Helper()
	g.armed.Store(true)
	wg.Go(func() { _, _ = a.Get(ctx, "blocker") })
	eventually(t, 10*time.Second, "the first batch is not held", g.held.Load)
}

// waitQueued waits until n calls wait in a's queue.
func waitQueued(t *testing.T, a *Adapter, n int) {
	t.Helper()
	eventually(t, 10*time.Second, fmt.Sprintf("%d calls are not queued", n), func() bool {
		a.autoPipe.mu.Lock()
		defer a.autoPipe.mu.Unlock()
		return len(a.autoPipe.queue) == n
	})
}

// TestReadsOfOneKeyInABatchShareOneGet: concurrent GETs of one key that land in
// one batch are sent once and every caller gets the reply (a value of its own);
// GET+PTTL pairs (GetWithTTL) likewise; other keys are read as before.
func TestReadsOfOneKeyInABatchShareOneGet(t *testing.T) {
	ctx := ctxT(t)
	a, g := gatedAdapter(t, serverURL(t))
	if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	g.hold(t, ctx, a, &wg)
	const gets, pairs, misses = 20, 10, 5
	values := make([][]byte, gets)
	for i := range gets {
		wg.Go(func() {
			v, err := a.Get(ctx, "k")
			if err != nil || string(v) != "v" {
				t.Errorf("Get k = %q, %v; want v", v, err)
			}
			values[i] = v
		})
	}
	for range pairs {
		wg.Go(func() {
			v, ttl, err := a.GetWithTTL(ctx, "k")
			if err != nil || string(v) != "v" || ttl <= 0 || ttl > time.Hour {
				t.Errorf("GetWithTTL k = %q, %v, %v; want v with a TTL up to 1h", v, ttl, err)
			}
		})
	}
	for range misses {
		wg.Go(func() {
			if _, err := a.Get(ctx, "missing"); !errors.Is(err, adapter.ErrNotFound) {
				t.Errorf("Get missing = %v; want ErrNotFound", err)
			}
		})
	}
	waitQueued(t, a, gets+pairs+misses)
	g.open()
	wg.Wait()
	values[0][0] = 'X' // each caller's bytes are its own
	for i, v := range values[1:] {
		if string(v) != "v" {
			t.Fatalf("caller %d's value changed with another caller's: %q", i+1, v)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.after) != 1 || g.after[0] != 4 {
		t.Fatalf("pipelines after the held one carried %v commands; want one of 4 (GET k, GET+PTTL k, GET missing)", g.after)
	}
}

// TestWriteInABatchEndsSharing: a read queued after a write of its key is sent,
// not answered with the reply of a read queued before the write.
func TestWriteInABatchEndsSharing(t *testing.T) {
	ctx := ctxT(t)
	a, g := gatedAdapter(t, serverURL(t))
	if err := a.Set(ctx, "k", []byte("old"), time.Hour); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	g.hold(t, ctx, a, &wg)
	read := func(want string) {
		wg.Go(func() {
			if v, err := a.Get(ctx, "k"); err != nil || string(v) != want {
				t.Errorf("Get k = %q, %v; want %q", v, err, want)
			}
		})
	}
	read("old")
	waitQueued(t, a, 1)
	wg.Go(func() {
		if err := a.Set(ctx, "k", []byte("new"), time.Hour); err != nil {
			t.Error(err)
		}
	})
	waitQueued(t, a, 2)
	read("new")
	waitQueued(t, a, 3)
	g.open()
	wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.after) != 1 || g.after[0] != 3 {
		t.Fatalf("pipelines after the held one carried %v commands; want one of 3", g.after)
	}
}
