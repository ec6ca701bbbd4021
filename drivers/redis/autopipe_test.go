package redis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/internal/ctxtest"
)

// TestAutoPipelineBatchesConcurrentCalls checks that overlapping calls share
// pipelines (far fewer round trips than commands) and that serial calls never go
// through the autopipeliner.
func TestAutoPipelineBatchesConcurrentCalls(t *testing.T) {
	ctx := ctxT(t)
	rdb := client(t, serverURL(t))
	h := &countingHook{}
	rdb.AddHook(h)
	a := newTestAdapter(t, rdb, Options{AutoPipeline: true})
	if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}

	// Serial: every call direct, one command per round trip.
	h.reset()
	for i := range 50 {
		if err := a.Set(ctx, fmt.Sprint("s", i), []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Get(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.UpdateTimeout(ctx, "k", time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Remove(ctx, fmt.Sprint("s", i)); err != nil {
			t.Fatal(err)
		}
	}
	if s, p := h.cmds.Load(), h.pipes.Load(); s != 200 || p != 0 {
		t.Errorf("serial calls: %d single commands and %d pipelines, want 200 and 0", s, p)
	}

	// Concurrent: most calls ride shared pipelines.
	h.reset()
	const workers, per = 64, 100
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				key := fmt.Sprint("c", w, ":", i%5)
				if err := a.Set(ctx, key, []byte("v"), time.Hour); err != nil {
					errs <- err
					return
				}
				b, err := a.Get(ctx, key)
				if err != nil || string(b) != "v" {
					errs <- fmt.Errorf("Get %s: %q, %v", key, b, err)
					return
				}
				// One per worker: reads of one key in a batch would share a GET.
				if _, err := a.Get(ctx, fmt.Sprint("missing", w)); !errors.Is(err, adapter.ErrNotFound) {
					errs <- fmt.Errorf("Get missing: %v, want NotFound", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	cmds := int64(workers * per * 3)
	single, pipes, piped := h.cmds.Load(), h.pipes.Load(), h.piped.Load()
	t.Logf("%d commands: %d single, %d in %d pipelines", cmds, single, piped, pipes)
	if single+piped < cmds {
		t.Errorf("%d single + %d piped commands, want at least %d", single, piped, cmds)
	}
	if trips := single + pipes; trips*2 > cmds {
		t.Errorf("%d round trips for %d commands: concurrent calls were not pipelined", trips, cmds)
	}
}

// TestAutoPipelinePausedServer: calls queued behind a stuck pipeline still return
// at their ctx deadline, and the adapter recovers after the server resumes.
func TestAutoPipelinePausedServer(t *testing.T) {
	ctx := ctxT(t)
	a, srv := openOwnServer(t)
	if a.autoPipe == nil {
		t.Fatal("Open did not turn autopipelining on")
	}
	a.autoPipe.always = true
	if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	resume := pause(t, srv)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			var err error
			if i%2 == 0 {
				_, err = a.Get(dctx, "k")
			} else {
				err = a.Set(dctx, "k", []byte("w"), time.Hour)
			}
			if took := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || took > 2*time.Second {
				t.Errorf("call %d: %v after %v, want DeadlineExceeded at about 200ms", i, err, took)
			}
		})
	}
	wg.Wait()
	resume()
	eventually(t, 10*time.Second, "Get after Resume", func() bool {
		_, err := a.Get(ctx, "k")
		return err == nil
	})
}

// TestDeadlineSeenBeforeTheContextTimer: a call on a paused server whose socket
// read times out at ctx's deadline reports context.DeadlineExceeded even before
// ctx.Err() says so, both direct and through a batch.
func TestDeadlineSeenBeforeTheContextTimer(t *testing.T) {
	ctx := ctxT(t)
	a, srv := openOwnServer(t)
	if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	resume := pause(t, srv)
	for _, batched := range []bool{false, true} {
		a.autoPipe.always = batched
		late := ctxtest.TimerLate(ctx, time.Now().Add(100*time.Millisecond))
		_, err := a.Get(late, "k")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("batched=%v: Get = %v, want context.DeadlineExceeded", batched, err)
		}
	}
	resume()
}

// openOwnServer starts a server for one test (which may pause it) and opens an
// adapter on it by URL, with auto-pipelining on as Open sets it.
func openOwnServer(t *testing.T) (*Adapter, *redistest.Server) {
	t.Helper()
	srv := redistest.StartServer(t, nil)
	a, err := OpenURL(context.Background(), withParams(srv.URL(), "prefix="+redistest.RandomPrefix()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a, srv
}

// TestAutoPipelineClose: Close releases every caller with ErrClosed, the batch
// goroutines end, later calls return ErrClosed, and a caller's client stays open.
func TestAutoPipelineClose(t *testing.T) {
	ctx := ctxT(t)
	rdb := client(t, serverURL(t))
	a := newTestAdapter(t, rdb, Options{AutoPipeline: true})
	a.autoPipe.always = true
	if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 32 {
		wg.Go(func() {
			for {
				_, err := a.Get(ctx, "k")
				if errors.Is(err, adapter.ErrClosed) {
					return
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	// Close does not wait for the batch goroutines (see autoPipe.close); they end
	// as soon as they run, cancelled.
	var running, queued int
	eventually(t, 10*time.Second, "the batch goroutines end after Close", func() bool {
		a.autoPipe.mu.Lock()
		defer a.autoPipe.mu.Unlock()
		running, queued = a.autoPipe.running, len(a.autoPipe.queue)
		return running == 0
	})
	close(errs)
	for err := range errs {
		t.Errorf("Get while closing: %v", err)
	}
	if queued != 0 {
		t.Errorf("%d commands left queued after Close", queued)
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Errorf("the caller's client after Close: %v", err)
	}
}

func TestAutoPipelineURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"redis://h":                           true,
		"redis://h?autopipeline=false":        false,
		"redis+cluster://h?autopipeline=true": true,
		"redis+sentinel://h/m?autopipeline=0": false,
	} {
		cfg, err := ParseURL(raw)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Options.AutoPipeline != want {
			t.Errorf("%s: AutoPipeline %v, want %v", raw, cfg.Options.AutoPipeline, want)
		}
	}
	if _, err := ParseURL("redis://h?autopipeline=maybe"); err == nil {
		t.Error("autopipeline=maybe accepted")
	}
}

// TestAutoPipelineNeverSendsAbandoned: a command whose caller gave up while it
// waited for a batch is never sent, so a Set that returned DeadlineExceeded cannot
// land after the server recovers and overwrite a newer value. (go-redis's own
// autopipeliner sends such commands late: why the adapter has its own.)
func TestAutoPipelineNeverSendsAbandoned(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.StartServer(t, nil)
	raw := withParams(srv.URL(), "prefix="+redistest.RandomPrefix())
	a, err := OpenURL(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	a.autoPipe.always = true
	a.autoPipe.maxRuns = 1 // one batch at a time: the rest must queue
	// Another process's view: the newer write and the reads go through b, so they
	// do not queue behind a's batches.
	b, err := OpenURL(ctx, withParams(raw, "autopipeline=false&lazy=true"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	if err := a.Set(ctx, "k", []byte("old"), time.Hour); err != nil {
		t.Fatal(err)
	}
	resume := pause(t, srv)
	// A Get holds the only batch on the paused server until after Resume...
	var held, sets sync.WaitGroup
	held.Go(func() {
		gctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, _ = a.Get(gctx, "k")
	})
	time.Sleep(50 * time.Millisecond)
	// ...while Sets queue behind it and give up after 50ms.
	for range 16 {
		sets.Go(func() {
			sctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			if err := a.Set(sctx, "k", []byte("stale"), time.Hour); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("queued Set on a paused server: %v, want DeadlineExceeded", err)
			}
		})
	}
	sets.Wait()
	resume()
	// The batch resumes and a's queue drains now: the Sets must not be in it.
	held.Wait()
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		v, err := b.Get(ctx, "k")
		if err != nil || string(v) != "old" {
			t.Fatalf("Get after Resume = %q, %v; want \"old\": a Set whose caller gave up was sent", v, err)
		}
	}
	// And a newer write stays.
	if err := b.Set(ctx, "k", []byte("new"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, err := a.Get(ctx, "k"); err != nil || string(v) != "new" {
		t.Fatalf("Get = %q, %v; want \"new\"", v, err)
	}
}

// TestAutoPipelineCloseDoesNotWaitForAStuckBatch: a batch waiting on a server that
// does not answer (paused) holds neither Close nor its callers, who get ErrClosed
// at once; the caller's client stays the caller's.
func TestAutoPipelineCloseDoesNotWaitForAStuckBatch(t *testing.T) {
	srv := redistest.StartServer(t, nil)
	rdb := client(t, srv.URL()+"?read_timeout=5s")
	a := newTestAdapter(t, rdb, Options{AutoPipeline: true})
	a.autoPipe.always = true
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Resume() })
	errs := make(chan error, 8)
	for range 8 {
		go func() { _, err := a.Get(context.Background(), "k"); errs <- err }()
	}
	eventually(t, 10*time.Second, "a batch is in flight", func() bool {
		a.autoPipe.mu.Lock()
		defer a.autoPipe.mu.Unlock()
		return a.autoPipe.running > 0
	})
	start := time.Now()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v: it waited for a batch the server does not answer", d)
	}
	for range 8 {
		select {
		case err := <-errs:
			if !errors.Is(err, adapter.ErrClosed) {
				t.Errorf("a caller of the stuck batch got %v; want ErrClosed", err)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("a caller of the stuck batch was still waiting 2s after Close")
		}
	}
}
