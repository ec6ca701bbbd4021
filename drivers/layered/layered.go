package layered

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/internal/fastpath"
)

// Compile-time checks of the capabilities the adapter offers.
var (
	_ adapter.Adapter   = (*Adapter)(nil)
	_ adapter.Batcher   = (*Adapter)(nil)
	_ adapter.Pinger    = (*Adapter)(nil)
	_ adapter.Clearer   = (*Adapter)(nil)
	_ adapter.TTLReader = (*Adapter)(nil)
	_ fastpath.Viewer   = (*Adapter)(nil)
	_ fastpath.Memoizer = (*Adapter)(nil)
)

// DefaultL1TTL is how long L1 keeps an entry at most when Options.L1TTL is zero.
const DefaultL1TTL = time.Minute

// DefaultLiveness caps the default of Options.Liveness.
const DefaultLiveness = 2 * time.Second

// minDefaultLiveness is the floor of the default Liveness derived from a short L1TTL.
const minDefaultLiveness = 100 * time.Millisecond

// ErrNotAnnounced is wrapped by the error a write returns when the write succeeded:
// the value IS stored in L2 (and in this process's L1), but the announcement that
// makes other processes drop their L1 copies could not be published. Until it is,
// other processes may keep serving their previous copy, at most until it expires
// from their L1 (L1TTL). The adapter keeps retrying the announcement in the
// background; do not retry the write for it. The error also wraps the
// Invalidator's own error (the cause).
var ErrNotAnnounced = errors.New("strata/layered: the value is stored in L2, but its invalidation could not be announced to other processes")

// errClosed is what every call returns after Close.
var errClosed = fmt.Errorf("%w (strata/layered)", adapter.ErrClosed)

// Options configures an Adapter. The zero value (or a nil *Options) gives the
// defaults.
type Options struct {
	// L1TTL caps how long L1 keeps an entry: an entry is kept for its remaining time
	// to live in L2 or L1TTL, whichever is shorter. 0 means DefaultL1TTL (1 minute).
	// Without an adapter.Invalidator on L2 it is the bound on how stale L1 can be.
	L1TTL time.Duration

	// ServeStaleOnL2Error lets reads fall back to L1 while L2 is failing. When L2 is
	// known to be failing (see the package documentation), reads bypass L1 and go to
	// L2; if L2 then returns an error, the read returns L1's copy when it has one, and
	// only otherwise the error. It also keeps L1's entries when the subscription
	// resets (they are only used as such a fallback until L2 is healthy again, and
	// dropped then). The default, false, returns L2's error. Writes return L2's
	// errors either way.
	ServeStaleOnL2Error bool

	// Liveness bounds how long a subscription to invalidations may stay silent
	// before the adapter notices: a network that stopped delivering without
	// closing the connection would otherwise let L1 serve values other processes
	// overwrote until L1TTL. When the subscription hears nothing for about this
	// long (it pings Redis halfway), L1 stops being served until a probe proves
	// the subscription delivers again. It applies when L2 is drivers/redis; other
	// Invalidators notice lost connections by their own means. 0 means L1TTL/4,
	// at most DefaultLiveness (2s) and at least 100ms.
	Liveness time.Duration

	// NoInvalidation runs without pub/sub even when L2 is an adapter.Invalidator:
	// writes are not announced and nothing is subscribed, so another process's
	// write reaches this process's L1 only when the entry expires (L1TTL bounds
	// the staleness, as for an L2 without Invalidator). It is the degraded mode
	// for a Redis user that may not use the invalidation channel; New otherwise
	// fails for such a user.
	NoInvalidation bool

	// OnInvalidate, when set, is called with the keys another process changed, after
	// they have been dropped from L1. It runs on the subscription's goroutine: keep
	// it quick and do not call the Adapter from it. Meant for metrics and tests.
	OnInvalidate func(keys []string)

	// OnReset, when set, is called after the adapter stopped serving L1 because
	// invalidations may have been missed (the Invalidator's onReset: a lost or
	// silent connection, a restarted server) or L2 returned an outage
	// (adapter.ErrUnavailable). L1 is served again once L2 is healthy; see
	// Adapter.Healthy. It may run on the subscription's goroutine or on a caller's:
	// keep it quick and do not call the Adapter from it.
	OnReset func()

	// Logger receives the adapter's events: L1 bypassed after an outage or a lost
	// subscription (warning), served again (info), retries (debug). nil discards
	// them; nothing is written to stderr.
	Logger *slog.Logger

	// Clock is the clock the adapter measures its L2 calls with: the time a read
	// or write took is taken off the TTL L1 keeps the value for, so that L1 never
	// outlives L2. nil means the wall clock (time.Now). L1's entries expire on L1's
	// own clock and L2's on L2's: a test that fakes time gives all three the same
	// clock (memory.Options.Clock, redis.Options.Clock, and a server such as
	// miniredis driven by it; see docs/testing.md), so that keys expire exactly
	// when it advances the clock. New refuses a Clock with a drivers/memory L1 that
	// runs on the wall clock, whose entries would outlive the fake time. A URL
	// cannot set it: build the layers with their own Open or New.
	Clock adapter.Clock
}

// ManyTTLReader is an optional capability of an L2 that can return many values
// together with their remaining times to live in one round trip. GetMany back-fills
// L1 with the keys it had to read from L2 only when L2 implements it: remaining TTLs
// must be known, never guessed. ttls holds an entry for every key in values
// (adapter.NoExpiration for a value that never expires); misses are omitted from both.
type ManyTTLReader interface {
	// GetManyWithTTL returns the values of the keys that exist and their
	// remaining TTLs.
	GetManyWithTTL(ctx context.Context, keys []string) (values map[string][]byte, ttls map[string]time.Duration, err error)
}

// allSubscriber is implemented by drivers/redis: a subscription that also delivers
// this adapter's own messages, with the publisher's instance id. The layered adapter
// uses it to send itself probes that prove the subscription delivers again after a
// reset (see probe).
type allSubscriber interface {
	SubscribeAll(ctx context.Context, onInvalidate func(publisher string, keys []string), onReset func()) (stop func(), err error)
	InstanceID() string
}

// Adapter is a two-level cache: a fast in-process L1 (usually drivers/memory) over a
// shared L2 (usually drivers/redis). It implements adapter.Batcher, adapter.Pinger,
// adapter.Clearer and adapter.TTLReader, and is safe for concurrent use. It owns both
// layers: Close closes them. See the package documentation for its guarantees.
type Adapter struct {
	l1  adapter.Adapter
	l1b adapter.Batcher   // nil if L1 has no batches
	l1v fastpath.Viewer   // nil if L1 cannot lend its bytes (see View)
	l1m fastpath.Memoizer // nil if L1 cannot keep decoded values (see GetMemo)
	l1c adapter.Clearer   // required

	l2     adapter.Adapter
	l2b    adapter.Batcher
	l2p    adapter.Pinger
	l2c    adapter.Clearer
	l2ttl  adapter.TTLReader
	l2many ManyTTLReader
	inv    adapter.Invalidator
	allSub allSubscriber // set when inv also delivers own messages (drivers/redis)
	// liveSub is set when inv's subscription takes a liveness bound (drivers/redis)
	liveSub livenessSubscriber

	l1TTL        time.Duration
	liveness     time.Duration
	serveStale   bool
	onInvalidate func([]string)
	onReset      func()
	log          *slog.Logger  // Options.Logger; nil: no events
	clock        adapter.Clock // Options.Clock; nil: the wall clock (see now)

	closed  atomic.Bool
	healthy atomic.Bool // L1 may be read: L2 works and, with inv, the subscription is confirmed
	// gen changes whenever L1 as a whole is invalidated (reset, failure, recovery,
	// Clear). It is only written with every stripe locked, so a fill or write-back
	// that checks it under its stripe's lock cannot cross such an event.
	gen atomic.Uint64

	seed    maphash.Seed
	stripes [numStripes]stripe

	// The supervisor goroutine (see coherence.go).
	ctx      context.Context // ends at Close: aborts probes, publishes, subscribes
	cancel   context.CancelFunc
	kick     chan struct{} // capacity 1: wakes the supervisor
	quit     chan struct{}
	done     chan struct{}
	probeAck chan uint64
	probeSeq atomic.Uint64
	probePfx string // probe keys: probePfx + sequence number

	subMu      sync.Mutex
	stop       func() // ends the subscription; nil when not subscribed
	subscribed atomic.Bool

	repairMu  sync.Mutex
	repair    map[string]struct{} // keys whose invalidation still has to be published
	repairAll bool                // too many: publish clearAllKey instead

	// Report's counters (report.go): invalidations, and reads by layer.
	events eventCounts
	reads  readCounts
}

// New returns a layered adapter over l1 and l2, which it owns from now on: Close
// closes both, and no one else should write to them. A nil opts means the defaults.
//
// l1 must implement adapter.Clearer (drivers/memory does) so that it can be emptied
// when invalidations may have been missed. When l2 implements adapter.Invalidator,
// New subscribes to it and publishes a probe before returning. If L2 refuses either
// (a Redis user without the invalidation channel: NOPERM), New fails with L2's
// error, which names the ACL rule to add; Options.NoInvalidation runs without
// pub/sub instead. If L2 is unavailable (adapter.ErrUnavailable), New still
// succeeds but the adapter starts with L1 bypassed and keeps trying in the
// background (Healthy reports false until then). Each layered adapter needs its
// own l2 instance: an Invalidator does not deliver an instance's own publications
// back to it, so two layered adapters sharing one l2 would not see each other's
// writes. If New returns an error, l1 and l2 remain the caller's.
func New(l1, l2 adapter.Adapter, opts *Options) (*Adapter, error) {
	if l1 == nil || l2 == nil {
		return nil, errors.New("strata/layered: New needs an L1 and an L2 adapter, got nil")
	}
	if l1 == l2 {
		return nil, errors.New("strata/layered: L1 and L2 are the same adapter")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	switch {
	case o.L1TTL < 0:
		return nil, fmt.Errorf("strata/layered: Options.L1TTL is %v; want 0 (1 minute) or a positive duration", o.L1TTL)
	case o.L1TTL == 0:
		o.L1TTL = DefaultL1TTL
	}
	switch {
	case o.Liveness < 0:
		return nil, fmt.Errorf("strata/layered: Options.Liveness is %v; want 0 (the default) or a positive duration", o.Liveness)
	case o.Liveness == 0:
		o.Liveness = min(DefaultLiveness, max(o.L1TTL/4, minDefaultLiveness))
	}
	if m, ok := l1.(*memory.Adapter); ok && o.Clock != nil && m.Options().Clock == nil {
		return nil, errors.New("strata/layered: Options.Clock is set but L1 (drivers/memory) runs on the wall clock, " +
			"so its entries would not expire with the fake time: give memory.Options.Clock the same clock")
	}
	l1c, ok := l1.(adapter.Clearer)
	if !ok {
		return nil, fmt.Errorf("strata/layered: L1 (%T) must implement adapter.Clearer so it can be emptied when invalidations may have been missed", l1)
	}
	a := &Adapter{
		l1:           l1,
		l1c:          l1c,
		l2:           l2,
		l1TTL:        o.L1TTL,
		liveness:     o.Liveness,
		serveStale:   o.ServeStaleOnL2Error,
		onInvalidate: o.OnInvalidate,
		onReset:      o.OnReset,
		log:          o.Logger,
		clock:        o.Clock,
		seed:         maphash.MakeSeed(),
		kick:         make(chan struct{}, 1),
		quit:         make(chan struct{}),
		done:         make(chan struct{}),
		probeAck:     make(chan uint64, 16),
		repair:       make(map[string]struct{}),
	}
	a.l1b, _ = l1.(adapter.Batcher)
	a.l1v, _ = l1.(fastpath.Viewer)
	a.l1m, _ = l1.(fastpath.Memoizer)
	a.l2b, _ = l2.(adapter.Batcher)
	a.l2p, _ = l2.(adapter.Pinger)
	a.l2c, _ = l2.(adapter.Clearer)
	a.l2ttl, _ = l2.(adapter.TTLReader)
	a.l2many, _ = l2.(ManyTTLReader)
	if !o.NoInvalidation {
		a.inv, _ = l2.(adapter.Invalidator)
	}
	if a.inv != nil {
		a.allSub, _ = l2.(allSubscriber)
		a.liveSub, _ = l2.(livenessSubscriber)
	}
	var id [8]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails
	a.probePfx = probeKeyPrefix + hex.EncodeToString(id[:]) + ":"
	a.ctx, a.cancel = context.WithCancel(context.Background())

	a.healthy.Store(true)
	if a.inv != nil {
		if err := a.startCoherence(); err != nil {
			a.cancel()
			return nil, err
		}
	}
	go a.supervise()
	if !a.healthy.Load() {
		a.wake()
	}
	return a, nil
}

// L1 returns the in-process layer, for inspection (e.g. its GetWithTTL or Stats).
// Do not write to it: the layered adapter relies on being its only writer.
func (a *Adapter) L1() adapter.Adapter { return a.l1 }

// L2 returns the shared layer, for its capabilities. Writes made to it directly
// bypass L1 and are not announced to other processes.
func (a *Adapter) L2() adapter.Adapter { return a.l2 }

// L1TTL returns the cap on how long L1 keeps an entry (Options.L1TTL).
func (a *Adapter) L1TTL() time.Duration { return a.l1TTL }

// Healthy reports whether reads are being served from L1: L2 has not failed since
// the adapter last confirmed it works and, when L2 is an adapter.Invalidator, the
// subscription to invalidations is confirmed. While it is false, reads bypass L1.
func (a *Adapter) Healthy() bool { return a.healthy.Load() && !a.closed.Load() }

// Close stops the subscription and the adapter's background goroutine (waiting for
// both), then closes L2 and L1. Every later call returns an error wrapping
// adapter.ErrClosed; closing twice is not an error.
func (a *Adapter) Close() error {
	if a.closed.Swap(true) {
		return nil
	}
	a.cancel()
	close(a.quit)
	<-a.done
	a.unsubscribe()
	err2 := a.l2.Close()
	err1 := a.l1.Close()
	if err2 != nil {
		err2 = fmt.Errorf("strata/layered: close L2: %w", err2)
	}
	if err1 != nil {
		err1 = fmt.Errorf("strata/layered: close L1: %w", err1)
	}
	return errors.Join(err2, err1)
}

// begin runs the checks every call starts with: the context, then Close.
func (a *Adapter) begin(ctx context.Context) error {
	if ctx.Err() != nil {
		return adapter.CheckContext(ctx)
	}
	if a.closed.Load() {
		return errClosed
	}
	return nil
}

// now reads the adapter's clock (Options.Clock, or the wall clock).
func (a *Adapter) now() time.Time {
	if a.clock != nil {
		return a.clock.Now()
	}
	return time.Now()
}

// since is the time passed since start on the adapter's clock (see now).
func (a *Adapter) since(start time.Time) time.Duration { return a.now().Sub(start) }

// l1TTLFor returns how long L1 may keep a value that L2 holds for rem more time
// (adapter.NoExpiration: for ever), measured from a moment elapsed ago: the shorter
// of rem-elapsed and L1TTL, rounded down to whole milliseconds (drivers round TTLs
// up), so L1 never outlives L2. A result <= 0 means "do not store": so it is for a
// rem the Cache never passes (0, or negative other than NoExpiration), without
// rem-elapsed wrapping around.
func (a *Adapter) l1TTLFor(rem, elapsed time.Duration) time.Duration {
	ttl := a.l1TTL
	if rem != adapter.NoExpiration {
		if rem <= elapsed {
			return 0
		}
		ttl = min(ttl, rem-elapsed)
	}
	return ttl.Truncate(time.Millisecond)
}

// failure reports whether err, returned by L2 for a call made with ctx, means L2 is
// failing: it wraps adapter.ErrUnavailable (a refused, reset or timed-out
// connection, a server that is loading or has no master), and the caller's ctx has
// not ended. Anything else is an answer about the request (a miss, a bad key or
// TTL, an undecodable or too large value, WRONGTYPE, NOPERM, a protocol error) and
// says nothing about L2 as a whole: resetting on it would let one odd key empty L1
// and start probes on every read. (An L2 that does not wrap its outages with
// ErrUnavailable is seen failing only through its Invalidator's resets.)
func failure(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() == nil && errors.Is(err, adapter.ErrUnavailable)
}
