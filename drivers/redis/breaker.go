package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
)

// The circuit breaker (Options.Breaker, URL breaker_threshold= and breaker_probe=).
//
// While a server is down, go-redis makes every call pay for its dial attempts,
// their retries and its command retries before failing, and a call on a stalled
// server waits for its timeouts. Once Threshold calls in a row have failed for a
// connection-class reason (the errors that wrap adapter.ErrUnavailable: refused,
// reset or dropped connections, timeouts without a caller deadline, LOADING,
// MASTERDOWN, CLUSTERDOWN, ...), the breaker opens: every call fails at once,
// without network I/O, with a *BreakerOpenError. A miss, a reply about the request
// (WRONGTYPE, NOPERM, MOVED, a value too large) and the caller's own ctx ending
// count as neither failure nor outage of the server: replies reset the count, the
// caller's ctx leaves it as it is. So a caller whose deadline is shorter than
// go-redis's wait for a dead server does not open the breaker by itself; go-redis
// reports the outage to it (a refused dial, at once) after its own pool has given
// up dialling, and from then on its calls count.
//
// While it is open, one goroutine probes the server every ProbeInterval with a
// PING (on a Cluster or Ring, one per master or shard, in parallel) bounded by
// probeTimeout, and closes the breaker as soon as the server answers: with any
// reply, since an error reply such as NOPERM also proves it serves, except the
// replies that mean it cannot serve (LOADING, MASTERDOWN, ...). No caller pays
// for a probe. The goroutine exists only while the breaker is open, and Close
// waits for it (a probe in flight ends within probeTimeout; at once when the
// adapter owns its client, which Close closes first).
//
// The breaker belongs to the adapter, so on a Cluster one breaker covers every
// node: failures on one master count as failures of all, and the breaker closes
// when any master answers. The invalidation subscription (Subscribe) reconnects on
// its own and is not held back by the breaker; Publish and new subscriptions are.

// DefaultBreakerThreshold is the number of connection failures in a row that opens
// the breaker when BreakerOptions.Threshold is 0.
const DefaultBreakerThreshold = 3

// DefaultBreakerProbeInterval is the wait between the probes of an open breaker
// when BreakerOptions.ProbeInterval is 0: short, so that calls succeed again soon
// after the server is back, and long enough that probing costs the server nothing.
const DefaultBreakerProbeInterval = 250 * time.Millisecond

// probeTimeout bounds each probe. It is not shorter: a fresh connection (TCP, TLS,
// HELLO and AUTH, then PING) must fit in it, or the breaker would never close.
const probeTimeout = time.Second

// BreakerOptions configures the adapter's circuit breaker (Options.Breaker). The
// zero value means the defaults: the breaker is on.
type BreakerOptions struct {
	// Threshold is how many calls in a row must fail with a connection-class error
	// (one that wraps adapter.ErrUnavailable) before the breaker opens. 0 means
	// DefaultBreakerThreshold; a negative value turns the breaker off (URL
	// breaker_threshold=off).
	Threshold int

	// ProbeInterval is the wait before each probe while the breaker is open. 0
	// means DefaultBreakerProbeInterval; it must not be negative.
	ProbeInterval time.Duration
}

// BreakerOpenError is the error of a call refused because the adapter's breaker is
// open: no command was sent. It wraps adapter.ErrUnavailable and Cause; calls on
// one key get it inside an *adapter.KeyError naming the key.
type BreakerOpenError struct {
	// Since is when the breaker opened.
	Since time.Time
	// Failures is the number of connection failures in a row that opened it.
	Failures int
	// Cause is the last of those failures.
	Cause error
}

// Error says that the breaker is open, since when, and why.
func (e *BreakerOpenError) Error() string {
	return fmt.Sprintf("strata/redis: %v: circuit breaker open since %s after %d connection failures in a row "+
		"(no command sent; the breaker closes when a background probe gets an answer); last failure: %v",
		adapter.ErrUnavailable, e.Since.Format("2006-01-02T15:04:05.000Z07:00"), e.Failures, e.Cause)
}

// Unwrap returns adapter.ErrUnavailable and the cause.
func (e *BreakerOpenError) Unwrap() []error { return []error{adapter.ErrUnavailable, e.Cause} }

// BreakerOpen reports whether the adapter's breaker is open, and since when.
// It is false when the breaker is off (BreakerOptions.Threshold < 0).
func (a *Adapter) BreakerOpen() (since time.Time, open bool) {
	if a.brk == nil {
		return time.Time{}, false
	}
	if e := a.brk.open.Load(); e != nil {
		return e.Since, true
	}
	return time.Time{}, false
}

// breaker is an Adapter's circuit breaker; a nil *breaker is a breaker turned off,
// whose methods do nothing.
type breaker struct {
	threshold int32
	interval  time.Duration
	probe     func(context.Context) error // nil: the server answered
	log       *slog.Logger

	fails atomic.Int32                     // connection failures in a row
	cause atomic.Pointer[error]            // the latest connection failure's cause, nil after a success
	open  atomic.Pointer[BreakerOpenError] // nil while closed
	opens atomic.Uint64                    // times it opened (Report)

	mu     sync.Mutex // orders opening, closing and Close
	ended  bool       // Close ran: never open again
	life   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // the probe goroutine
}

// newBreaker returns the breaker o describes, or nil when o turns it off.
func newBreaker(o BreakerOptions, probe func(context.Context) error, log *slog.Logger) (*breaker, error) {
	if o.ProbeInterval < 0 {
		return nil, fmt.Errorf("strata/redis: Options.Breaker.ProbeInterval is %v; want 0 (the default, %v) or a positive duration",
			o.ProbeInterval, DefaultBreakerProbeInterval)
	}
	if o.Threshold < 0 {
		return nil, nil
	}
	b := &breaker{threshold: DefaultBreakerThreshold, interval: DefaultBreakerProbeInterval, probe: probe, log: log}
	if o.Threshold > 0 {
		b.threshold = int32(min(o.Threshold, 1<<30))
	}
	if o.ProbeInterval > 0 {
		b.interval = o.ProbeInterval
	}
	b.life, b.cancel = context.WithCancel(context.Background())
	return b, nil
}

// admit returns nil while the breaker lets calls through, and the reason it does
// not while it is open.
func (b *breaker) admit() error {
	if b == nil {
		return nil
	}
	if e := b.open.Load(); e != nil {
		return e
	}
	return nil
}

// note keeps err, a connection-class error go-redis returned, as the cause the
// breaker reports if it opens.
func (b *breaker) note(err error) {
	if b != nil {
		b.cause.Store(&err)
	}
}

// settle counts the outcome err of a call that the breaker let through.
func (b *breaker) settle(err error) {
	if b == nil {
		return
	}
	switch {
	case err == nil:
		b.succeeded()
	case errors.Is(err, adapter.ErrUnavailable):
		// Declared here: errors.As moves it to the heap, which every call would
		// pay if it were declared above the switch.
		var refused *BreakerOpenError
		if !errors.As(err, &refused) { // refused by the breaker: nothing was sent
			b.failed(err)
		}
	case errors.Is(err, adapter.ErrClosed), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The adapter was closed or the caller's ctx ended: nothing learnt.
	default:
		b.succeeded() // a miss or a reply: the server answers
	}
}

func (b *breaker) succeeded() {
	if b.fails.Load() != 0 {
		b.fails.Store(0)
		b.cause.Store(nil)
	}
}

// failed counts a connection failure whose final error is err, and opens the
// breaker at the threshold.
func (b *breaker) failed(err error) {
	if b.fails.Add(1) < b.threshold {
		return
	}
	cause := err
	if c := b.cause.Load(); c != nil {
		cause = *c // go-redis's error, without the adapter's words around it
	} else if nr := (noReplyError{}); errors.As(err, &nr) {
		cause = nr
	}
	b.trip(cause)
}

// trip opens the breaker, unless it is open already or the adapter is closed, and
// starts the probe.
func (b *breaker) trip(cause error) {
	b.mu.Lock()
	if b.ended || b.open.Load() != nil {
		b.mu.Unlock()
		return
	}
	e := &BreakerOpenError{Since: time.Now(), Failures: int(b.threshold), Cause: cause}
	b.open.Store(e)
	b.opens.Add(1)
	b.fails.Store(0)
	b.wg.Add(1)
	go b.probing(e)
	b.mu.Unlock()
	if b.log != nil {
		b.log.Warn("strata/redis: circuit breaker open: calls fail at once until the server answers a probe",
			"failures", e.Failures, "probe_interval", b.interval, "err", cause)
	}
}

// probing is the open breaker's goroutine: it probes the server every interval
// until it answers (then closes the breaker) or the adapter is closed.
func (b *breaker) probing(e *BreakerOpenError) {
	defer b.wg.Done()
	t := time.NewTimer(b.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-b.life.Done():
			return
		}
		ctx, cancel := context.WithTimeout(b.life, probeTimeout)
		err := b.probe(ctx)
		cancel()
		if b.life.Err() != nil {
			return
		}
		if err == nil {
			b.mu.Lock()
			b.open.Store(nil)
			b.fails.Store(0)
			b.cause.Store(nil)
			b.mu.Unlock()
			if b.log != nil {
				b.log.Info("strata/redis: circuit breaker closed: the server answers again",
					"open_for", time.Since(e.Since).Round(time.Millisecond))
			}
			return
		}
		t.Reset(b.interval)
	}
}

// close stops the probe, if any, waits for its goroutine, and keeps the breaker
// from opening again.
func (b *breaker) close() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.ended = true
	b.mu.Unlock()
	b.cancel()
	b.wg.Wait()
}

// probeServer is the breaker's probe: nil when the server answers a PING (on a
// Cluster any master, on a Ring any shard) with anything but a reply that means
// it cannot serve (see answered).
func (a *Adapter) probeServer(ctx context.Context) error {
	var err error
	switch a.topo {
	case cluster:
		err = anyAnswers(ctx, a.cluster.ForEachMaster)
		if err != nil {
			a.reloadAfter(err) // the dead master may have been replaced meanwhile
		}
	case ring:
		err = anyAnswers(ctx, a.ring.ForEachShard)
	default:
		err = a.client.Ping(ctx).Err()
	}
	if answered(err) {
		return nil
	}
	return err
}

// anyAnswers PINGs every node forEach visits (in parallel) and returns nil if any
// answers, or else an error of one of them.
func anyAnswers(ctx context.Context, forEach func(context.Context, func(context.Context, *goredis.Client) error) error) error {
	var up atomic.Bool
	err := forEach(ctx, func(ctx context.Context, c *goredis.Client) error {
		if e := c.Ping(ctx).Err(); !answered(e) {
			return e
		}
		up.Store(true)
		return nil
	})
	switch {
	case up.Load():
		return nil
	case err == nil:
		return errors.New("no node to probe")
	}
	return err
}

// answered reports whether err, a command's outcome, shows a server that serves:
// no error, or an error reply other than those of a server that cannot serve
// (LOADING, MASTERDOWN, ...; see connectionClass).
func answered(err error) bool {
	var reply goredis.Error
	return err == nil || (errors.As(err, &reply) && !connectionClass(err))
}

// settle counts the outcome of a call in the breaker: deferred, right after the
// call passed the breaker (start or begin), with the call's error result.
func (a *Adapter) settle(err *error) { a.brk.settle(*err) }

// start runs the checks every call starts with: Close, then ctx, then the breaker.
func (a *Adapter) start(ctx context.Context) error {
	if a.closed.Load() {
		return adapter.ErrClosed
	}
	if err := adapter.CheckContext(ctx); err != nil {
		return err
	}
	return a.brk.admit()
}
