package redis

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
)

// Automatic pipelining (Options.AutoPipeline, URL autopipeline=).
//
// Single-key commands (GET, SET, GETEX, one-key UNLINK, and GET with PTTL as one
// pair: GetWithTTL, layered's L2 read) that overlap with many
// other calls of the same adapter are queued, and a batch goroutine sends
// everything queued as one go-redis pipeline per round trip (split by node on a
// Cluster). A call that finds at most directCallsPerCPU calls per CPU in flight
// (itself included) goes straight to the client, so serial latency is exactly
// go-redis's, and so is a handful of concurrent callers': while each core has a
// caller or two, their own round trips overlap, and a batch would only add the
// hand-off to the batch goroutine and back (bench/RESULTS.md: queueing from the
// second call in flight made 4 goroutines about 0.65x go-redis' throughput).
// Beyond that the client's CPU is the bound, and one write and one read per batch
// instead of per call is what pays.
//
// Why not go-redis's own autopipeliner (Client.AsyncAutoPipeline)? It is as
// fast (docs/redis.md), but a command whose caller gave up (ctx done) while it was
// still queued behind a stuck batch is written to Redis later anyway, after the
// server recovers: a Set that returned DeadlineExceeded could then overwrite a
// newer value written after it. Here a queued command whose ctx is done is never
// sent. A command already written may still run, as with any Redis client.
//
// Contracts kept:
//   - ctx: every caller waits for its own command or its ctx, whichever ends
//     first. A batch runs with the latest deadline of its commands (none if one
//     has none, which happens only when the client has no timeouts: see
//     bound.go), so a batch on a paused server ends when its last caller's
//     deadline passes, and is not retried after that.
//   - size: values over 1MiB never come here (see oversize.go): if the server
//     refused one, it would drop the connection of the whole batch.
//   - errors: each command's own error (redis.Nil, WRONGTYPE, a closed client) is
//     returned exactly as from Process and mapped the same way.
//   - Close: waits for the batches in flight (Open's adapter closes its client
//     first, which ends them at once).
//   - scripts (grace), multi-key commands and pipelines never use it.
type autoPipe struct {
	client   goredis.UniversalClient
	inflight atomic.Int64  // calls of the adapter between start and end
	direct   int64         // calls in flight (the new one included) that still go straight to the client
	always   bool          // tests: queue even a lone call
	maxRuns  int           // batches in flight at most
	bound    time.Duration // deadline of a caller without one (see bound.go); 0: none

	mu      sync.Mutex
	queue   []*queued
	running int  // batch goroutines
	closing bool // set by close: no call is queued any more

	life context.Context // the batches' context: close cancels it
	end  context.CancelFunc

	// Report's counters (report.go), written once per batch by the batch
	// goroutines, on a cache line of their own: no call touches them.
	_        [64]byte
	batches  atomic.Uint64 // pipelines sent
	commands atomic.Uint64 // the commands they carried
}

func newAutoPipe(client goredis.UniversalClient, bound time.Duration) *autoPipe {
	procs := runtime.GOMAXPROCS(0)
	p := &autoPipe{client: client, maxRuns: min(max(procs, 2), 8), bound: bound, direct: directCallsPerCPU * int64(procs)}
	p.life, p.end = context.WithCancel(context.Background())
	return p
}

// queued is one command waiting for a batch.
type queued struct {
	ctx  context.Context
	cmd  goredis.Cmder
	cmd2 goredis.Cmder // nil, or a command sent right after cmd, in the same batch
	// leader, when not nil, is an identical read earlier in the batch whose
	// replies this one gets instead of being sent (see shareread.go).
	leader *queued
	state  atomic.Int32  // waiting, then taken (by a batch) or abandoned (by its caller)
	done   chan struct{} // receives once the command has run, if taken
}

const (
	waiting int32 = iota
	taken
	abandoned
)

// directCallsPerCPU is how many calls in flight per CPU (GOMAXPROCS) still go
// straight to the client rather than into a batch (see the top of this file).
const directCallsPerCPU = 2

var queuedPool = sync.Pool{New: func() any { return &queued{done: make(chan struct{}, 1)} }}

// process runs cmd on the client, or queues it for a batch when other calls of
// the adapter are in flight, and returns its error.
func (a *Adapter) process(ctx context.Context, cmd goredis.Cmder) error {
	if p := a.autoPipe; p != nil {
		defer p.inflight.Add(-1)
		if p.queues() {
			return p.do(ctx, cmd, nil)
		}
	}
	return a.direct(ctx, cmd)
}

// queues counts one more call in flight, which the caller takes back with
// p.inflight.Add(-1) when the call ends, and says whether it goes into a batch.
// Up to p.direct calls in flight go straight to the client: their round trips
// overlap, and a batch would only add a hand-off.
func (p *autoPipe) queues() bool {
	return p.inflight.Add(1) > p.direct || p.always
}

// processPair runs c1 and c2, two commands on one key, in one round trip: as one
// pipeline of the client when process would go direct, otherwise queued together
// in one batch. Either way it returns pairErr's error.
func (a *Adapter) processPair(ctx context.Context, method string, c1, c2 goredis.Cmder) (err error) {
	if p := a.autoPipe; p != nil {
		defer p.inflight.Add(-1)
		if p.queues() {
			return p.do(ctx, c1, c2)
		}
	}
	ctx, bd := a.bounded(ctx, method) // a pipeline: go-redis would retry it
	defer bd.end(&err)
	pipe := a.client.Pipeline()
	_ = pipe.Process(ctx, c1)
	_ = pipe.Process(ctx, c2)
	_, err = pipe.Exec(ctx) // the first command's error, redis.Nil included
	if perr := pairErr(c1, c2); perr != nil {
		return perr
	}
	return err
}

// pairErr returns the first error of c1 and c2 (c2 may be nil) other than
// redis.Nil, or redis.Nil when that is the only one: a GET that finds no key
// does not hide a PTTL the server refused (an ACL without it, say), which would
// fail every read of a key that exists.
func pairErr(c1, c2 goredis.Cmder) error {
	err := c1.Err()
	if c2 != nil && (err == nil || errors.Is(err, goredis.Nil)) && c2.Err() != nil {
		err = c2.Err()
	}
	return err
}

// direct runs cmd on the client.
func (a *Adapter) direct(ctx context.Context, cmd goredis.Cmder) error {
	// No bound of its own: go-redis already bounds a single command by its
	// ReadTimeout and WriteTimeout (one or two of them with its retries, within
	// the bound the pipelined paths get), and a deadline per call would cost
	// every serial call a timer and a context.
	return a.client.Process(ctx, cmd)
}

// do queues cmd (and cmd2, if not nil, right after it), starts a batch goroutine
// if fewer than maxRuns run, and waits.
func (p *autoPipe) do(ctx context.Context, cmd, cmd2 goredis.Cmder) error {
	q := queuedPool.Get().(*queued)
	q.ctx, q.cmd, q.cmd2 = ctx, cmd, cmd2
	q.state.Store(waiting)
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		queuedPool.Put(q)
		return adapter.ErrClosed
	}
	p.queue = append(p.queue, q)
	if p.running < p.maxRuns {
		p.running++
		go p.run()
	}
	p.mu.Unlock()
	select {
	case <-q.done:
		q.ctx, q.cmd, q.cmd2, q.leader = nil, nil, nil, nil
		queuedPool.Put(q)
		err := pairErr(cmd, cmd2)
		if err != nil && !errors.Is(err, goredis.Nil) {
			if cerr := ctxEnded(ctx); cerr != nil {
				// The batch ran until this caller's deadline (the latest in it)
				// and failed with a timeout: report it as the deadline, as a
				// direct call does.
				return fmt.Errorf("strata: %w", cerr)
			}
			if _, ok := ctx.Deadline(); !ok && errors.Is(err, context.DeadlineExceeded) {
				// The batch ran out of the bound this caller got for having
				// no deadline: an outage, not a deadline it set.
				return noReplyError{bound: p.bound}
			}
		}
		return err
	case <-ctx.Done():
		// Never sent if still waiting; if a batch took it, it may run, and the
		// batch will still signal done: q is not reused.
		q.state.CompareAndSwap(waiting, abandoned)
		return adapter.CheckContext(ctx)
	case <-p.life.Done():
		q.state.CompareAndSwap(waiting, abandoned) // as above
		return adapter.ErrClosed
	}
}

// run sends batches until the queue is empty.
func (p *autoPipe) run() {
	var batch []*queued
	var scratch sendScratch
	for {
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.running--
			p.mu.Unlock()
			return
		}
		batch, p.queue = p.queue, batch[:0]
		p.mu.Unlock()
		p.send(batch, &scratch)
		clear(batch)
		// send has just woken the batch's callers, each about to make its next
		// call: let them run and queue it before this goroutine takes the queue
		// again. Otherwise it takes a batch of the few calls that were queued
		// meanwhile, and the others wait a whole round trip for the next one
		// (docs/redis.md has the measurement).
		runtime.Gosched()
	}
}

// sendScratch is what send needs per batch, kept by its batch goroutine from one
// batch to the next instead of allocated for each.
type sendScratch struct {
	leaders map[readKey]*queued // see shareReads; made on first use
	live    []goredis.Cmder     // the commands sent
}

// send runs the commands of batch whose callers still wait as one pipeline,
// identical reads once (see shareread.go).
func (p *autoPipe) send(batch []*queued, s *sendScratch) {
	var deadline, now time.Time
	bounded := true
	n := 0
	for _, q := range batch {
		if q.state.CompareAndSwap(waiting, taken) {
			n++
		} // else abandoned: its caller has returned, and it is never sent
	}
	if n > 1 {
		if s.leaders == nil {
			s.leaders = make(map[readKey]*queued)
		}
		shareReads(batch, s.leaders)
	}
	live := s.live[:0]
	defer func() { clear(live); s.live = live[:0] }()
	for _, q := range batch {
		if q.state.Load() != taken {
			continue
		}
		if q.leader == nil { // else answered with its leader's reply
			live = append(live, q.cmd)
			if q.cmd2 != nil {
				live = append(live, q.cmd2)
			}
		}
		d, ok := q.ctx.Deadline()
		if !ok && p.bound > 0 {
			// No deadline: the bound of calls without one, from now (the
			// caller waited a little in the queue, which is not counted).
			if now.IsZero() {
				now = time.Now()
			}
			d, ok = now.Add(p.bound), true
		}
		if !ok {
			bounded = false
		} else if d.After(deadline) {
			deadline = d
		}
	}
	if len(live) > 0 {
		ctx := p.life
		if bounded {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, deadline)
			defer cancel()
		}
		_, _ = p.client.Pipelined(ctx, func(pipe goredis.Pipeliner) error {
			for _, c := range live {
				_ = pipe.Process(ctx, c)
			}
			return nil
		})
		p.batches.Add(1)
		p.commands.Add(uint64(len(live)))
	}
	for _, q := range batch {
		if q.leader != nil {
			copyReply(q) // before any caller is told: a leader's caller reuses its q
		}
	}
	for _, q := range batch {
		if q.state.Load() == taken {
			q.done <- struct{}{}
		}
	}
}

// close refuses new calls, releases the callers still waiting (adapter.ErrClosed)
// and cancels the batches in flight. It does not wait for their goroutines: with
// many busy goroutines per core, their next turn on a CPU can be seconds away.
// They end as soon as they run, sending nothing more.
func (p *autoPipe) close() {
	p.mu.Lock()
	p.closing = true
	p.mu.Unlock()
	p.end()
}

// The helpers below read a command's result only after process returned nil.

// get runs GET key through process.
func (a *Adapter) get(ctx context.Context, full string) ([]byte, error) {
	cmd := goredis.NewStringCmd(ctx, "get", full)
	if err := a.process(ctx, cmd); err != nil {
		return nil, err
	}
	return cmd.Bytes()
}

// getEx runs GETEX key PX keepMS (PERSIST for 0: no expiry) through process.
func (a *Adapter) getEx(ctx context.Context, full string, keepMS int64) ([]byte, error) {
	var cmd *goredis.StringCmd
	if keepMS == 0 {
		cmd = goredis.NewStringCmd(ctx, "getex", full, "persist")
	} else {
		cmd = goredis.NewStringCmd(ctx, "getex", full, "px", keepMS)
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
