package redis

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
)

// Automatic pipelining (Options.AutoPipeline, URL autopipeline=).
//
// Single-key commands (GET, SET, GETEX, one-key UNLINK) that overlap with other
// calls of the same adapter are sent through go-redis's deferred autopipeliner
// (Client.AsyncAutoPipeline), which batches the commands of concurrent callers
// into one pipeline per round trip. A call that finds no other call in flight
// goes straight to the client, so serial latency is exactly go-redis's.
//
// Contracts kept:
//   - ctx: the autopipeliner executes a batch on its own context, so the caller
//     waits with AutoFuture.WaitContext and returns ctx's error when ctx ends
//     first (the command may still run later, as a plain command already written
//     to the socket may). A paused server thus cannot hold a call past its
//     deadline.
//   - errors: a command's own error (redis.Nil, WRONGTYPE, a closed client) is
//     returned exactly as from Process and mapped the same way.
//   - Close: the autopipeliner belongs to the go-redis client (go-redis caches one
//     per client and closes it with the client). An adapter from Open owns its
//     client, so closing the adapter closes both; an adapter from New leaves both
//     to the caller, and never closes the shared autopipeliner, which other users
//     of the client may share.
//   - topologies: standalone, Sentinel (failover) and Cluster clients support it;
//     a Ring (no autopipeliner in go-redis) and anything whose getter fails run
//     every command directly.
//   - scripts (grace), multi-key commands and pipelines never use it.
type autoPipe struct {
	client   goredis.UniversalClient
	inflight atomic.Int64 // calls of the adapter between start and end
	always   bool         // tests: use the autopipeliner even for a lone call

	mu          sync.Mutex
	ap          atomic.Pointer[goredis.AutoPipeliner]
	unsupported atomic.Bool // the client has no autopipeliner (Ring, or a config error)
}

func newAutoPipe(client goredis.UniversalClient) *autoPipe {
	if _, isRing := client.(*goredis.Ring); isRing {
		return nil
	}
	return &autoPipe{client: client}
}

// pipeliner returns the client's deferred autopipeliner, or nil to run directly.
// It builds it on first use and again if someone closed it (the instance is
// shared through the client: a later getter call builds a fresh one).
func (p *autoPipe) pipeliner() *goredis.AutoPipeliner {
	if ap := p.ap.Load(); ap != nil && !ap.IsClosed() {
		return ap
	}
	if p.unsupported.Load() {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if ap := p.ap.Load(); ap != nil && !ap.IsClosed() {
		return ap
	}
	ap, err := p.client.AsyncAutoPipeline()
	if err != nil {
		// A closed client: run directly, which reports the closed client. Anything
		// else (Ring, an invalid AutoPipelineOptions) will not change: stop trying.
		if !errors.Is(err, goredis.ErrClosed) {
			p.unsupported.Store(true)
		}
		return nil
	}
	p.ap.Store(ap)
	return ap
}

// process runs cmd on the client, or through the autopipeliner when other calls
// of the adapter are in flight, and returns its error.
func (a *Adapter) process(ctx context.Context, cmd goredis.Cmder) error {
	p := a.autoPipe
	if p == nil {
		return a.client.Process(ctx, cmd)
	}
	n := p.inflight.Add(1)
	defer p.inflight.Add(-1)
	if n == 1 && !p.always {
		// Alone: nothing to batch with, and a direct call skips the hand-off to
		// the autopipeliner's goroutine.
		return a.client.Process(ctx, cmd)
	}
	ap := p.pipeliner()
	if ap == nil {
		return a.client.Process(ctx, cmd)
	}
	return ap.Submit(ctx, cmd).WaitContext(ctx)
}

// The helpers below read a command's result only after process returned nil: on
// the autopipeliner, a command abandoned at ctx's end is still pending, and its
// accessors would wait for it.

// get runs GET key through process.
func (a *Adapter) get(ctx context.Context, full string) ([]byte, error) {
	cmd := goredis.NewStringCmd(ctx, "get", full)
	if err := a.process(ctx, cmd); err != nil {
		return nil, err
	}
	return cmd.Bytes()
}

// getEx runs GETEX key PX ttl (PERSIST for adapter.NoExpiration) through process.
func (a *Adapter) getEx(ctx context.Context, full string, ttl time.Duration) ([]byte, error) {
	var cmd *goredis.StringCmd
	if ttl == adapter.NoExpiration {
		cmd = goredis.NewStringCmd(ctx, "getex", full, "persist")
	} else {
		cmd = goredis.NewStringCmd(ctx, "getex", full, "px", int64(redisTTL(ttl)/time.Millisecond))
	}
	if err := a.process(ctx, cmd); err != nil {
		return nil, err
	}
	return cmd.Bytes()
}

// unlinkOne runs UNLINK key through process and returns how many keys it removed.
func (a *Adapter) unlinkOne(ctx context.Context, full string) (int64, error) {
	cmd := goredis.NewIntCmd(ctx, "unlink", full)
	if err := a.process(ctx, cmd); err != nil {
		return 0, err
	}
	return cmd.Val(), nil
}
