package layered

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stratacache/strata/adapter"
)

// The supervisor goroutine: the subscription, recovery probes after a reset or an
// L2 failure, and the repair queue's retries.

// livenessSubscriber is implemented by drivers/redis: SubscribeAll with a bound on
// how long the subscription's connection may stay silent before it is presumed
// dead and onReset is called (Options.Liveness).
type livenessSubscriber interface {
	SubscribeAllLiveness(ctx context.Context, liveness time.Duration, onInvalidate func(publisher string, keys []string), onReset func()) (stop func(), err error)
}

// startCoherence runs in New: it subscribes to L2's invalidations and publishes a
// probe (a key nobody caches; other processes merely drop it), so that a Redis user
// without the channel (NOPERM) fails New rather than every later write, with L1
// bypassed for ever. An outage is no error: the adapter starts with L1 bypassed and
// the supervisor subscribes and probes.
func (a *Adapter) startCoherence() error {
	ctx, cancel := context.WithTimeout(a.ctx, subscribeTimeout)
	defer cancel()
	err := a.subscribe(ctx)
	op := "subscribe to"
	if err == nil {
		err = a.inv.Publish(ctx, a.probePfx+"open")
		op = "publish on"
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, adapter.ErrClosed): // L2 was closed: New fails
	case errors.Is(err, adapter.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		a.healthy.Store(false)
		return nil
	default: // L2 answered: it refuses
		err = fmt.Errorf("%w; without it, open with invalidation=false (Options.NoInvalidation) to run without pub/sub, other processes' writes then reaching this L1 only as its entries expire (l1_ttl)", err)
	}
	a.unsubscribe()
	return fmt.Errorf("strata/layered: %s L2's invalidation channel, which keeps every process's L1 coherent: %w", op, err)
}

// unsubscribe ends the subscription, if any.
func (a *Adapter) unsubscribe() {
	a.subMu.Lock()
	stop := a.stop
	a.stop = nil
	a.subscribed.Store(false)
	a.subMu.Unlock()
	if stop != nil {
		stop()
	}
}

// subscribe starts the subscription to L2's invalidations, with ctx bounding the
// wait for its confirmation.
func (a *Adapter) subscribe(ctx context.Context) error {
	var (
		stop func()
		err  error
	)
	if a.allSub != nil {
		self := a.allSub.InstanceID()
		onInvalidate := func(publisher string, keys []string) {
			if publisher == self {
				a.ownMessage(keys) // our own write or probe: no need to drop anything
				return
			}
			a.invalidate(keys)
		}
		if a.liveSub != nil {
			stop, err = a.liveSub.SubscribeAllLiveness(ctx, a.liveness, onInvalidate, a.reset)
		} else {
			stop, err = a.allSub.SubscribeAll(ctx, onInvalidate, a.reset)
		}
	} else {
		stop, err = a.inv.Subscribe(ctx, a.invalidate, a.reset)
	}
	if err != nil {
		return err
	}
	a.subMu.Lock()
	if a.closed.Load() {
		a.subMu.Unlock()
		stop()
		return errClosed
	}
	a.stop = stop
	a.subscribed.Store(true)
	a.subMu.Unlock()
	return nil
}

// ownMessage handles a message this adapter published: probes are acknowledged,
// anything else (the echo of a write) is ignored.
func (a *Adapter) ownMessage(keys []string) {
	for _, k := range keys {
		rest, ok := strings.CutPrefix(k, a.probePfx)
		if !ok {
			continue
		}
		if seq, err := strconv.ParseUint(rest, 10, 64); err == nil {
			select {
			case a.probeAck <- seq:
			default:
			}
		}
	}
}

// supervise runs for the adapter's lifetime. It (re)subscribes when needed, probes L2
// after a reset or failure until L1 may be served again, and re-publishes
// invalidations that could not be published.
func (a *Adapter) supervise() {
	defer close(a.done)
	backoff := minBackoff
	for {
		if !a.needsWork() {
			backoff = minBackoff
			select {
			case <-a.quit:
				return
			case <-a.kick:
				continue
			}
		}
		if a.step() {
			backoff = minBackoff
			continue
		}
		if !a.sleep(backoff) {
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (a *Adapter) needsWork() bool {
	return !a.healthy.Load() || (a.inv != nil && !a.subscribed.Load()) || a.repairsPending()
}

// step makes one attempt at each pending task; it reports whether all succeeded.
func (a *Adapter) step() bool {
	if a.inv != nil && !a.subscribed.Load() {
		ctx, cancel := context.WithTimeout(a.ctx, subscribeTimeout)
		err := a.subscribe(ctx)
		cancel()
		if err != nil {
			if a.log != nil {
				a.log.Debug("strata/layered: subscribing to invalidations failed; retrying", "err", err)
			}
			return false
		}
	}
	ok := true
	if a.repairsPending() && !a.flushRepairs() {
		ok = false
	}
	if !a.healthy.Load() && !a.probe() {
		ok = false
	}
	return ok
}

// sleep waits d, or until woken; it reports false once the adapter is closing.
func (a *Adapter) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-a.kick:
	case <-a.quit:
		return false
	}
	return true
}

// probe checks whether L1 may be served again and, if so, empties it and serves it
// from now on. It reports whether L1 is served.
//
// With drivers/redis (an Invalidator that can deliver its own messages), the probe
// publishes a key of its own and waits for it to come back through the
// subscription: proof that the subscription is live and that every invalidation
// published from now on will arrive. Only then is L1 emptied (its content may miss
// invalidations published while the subscription was down) and served again. Any
// reset between the probe's publication and its echo voids it (gen moved).
//
// With another Invalidator, which hides its own messages, or without one, the probe
// is a Ping of L2 (a Get if L2 is no Pinger): the Invalidator is trusted to call
// onReset again when it re-subscribes, as its contract requires.
func (a *Adapter) probe() bool {
	g := a.gen.Load()
	ctx, cancel := context.WithTimeout(a.ctx, probeWait)
	defer cancel()
	if a.allSub != nil {
		for drained := false; !drained; { // echoes of earlier probes that timed out
			select {
			case <-a.probeAck:
			default:
				drained = true
			}
		}
		seq := a.probeSeq.Add(1)
		if err := a.inv.Publish(ctx, a.probePfx+strconv.FormatUint(seq, 10)); err != nil {
			return false
		}
	wait:
		for {
			select {
			case got := <-a.probeAck:
				if got == seq {
					break wait
				}
			case <-ctx.Done():
				return false
			}
		}
	} else if err := a.ping(ctx); err != nil {
		return false
	}
	healthy := true
	if !a.flushL1(true, &healthy, &g) {
		return false // a reset came in meanwhile: probe again
	}
	if a.log != nil {
		a.log.Info("strata/layered: L2 answers and invalidations arrive again; L1 is served")
	}
	return true
}

// ping checks that L2 answers: its Ping, or a Get of a key nobody uses.
func (a *Adapter) ping(ctx context.Context) error {
	if a.l2p != nil {
		return a.l2p.Ping(ctx)
	}
	_, err := a.l2.Get(ctx, a.probePfx+"ping")
	if errors.Is(err, adapter.ErrNotFound) {
		return nil
	}
	return err
}
