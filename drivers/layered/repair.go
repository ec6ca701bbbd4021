package layered

import (
	"context"
	"errors"
	"fmt"
)

// Publishing invalidations, and re-publishing those that failed.

// publish announces that keys changed, after a successful write. It uses its own
// bounded context, detached from the caller's: once L2 has the new value, the
// announcement matters more than the caller's deadline. On failure the keys are
// queued to be re-published, and the error wraps ErrNotAnnounced and the cause.
func (a *Adapter) publish(ctx context.Context, keys ...string) error {
	if a.inv == nil || len(keys) == 0 {
		return nil
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	stop := context.AfterFunc(a.ctx, cancel) // Close aborts it
	defer stop()
	err := a.inv.Publish(pctx, keys...)
	if err == nil {
		a.events.published.Add(announced(keys)) // Report (report.go)
		return nil
	}
	if a.ctx.Err() != nil && ctx.Err() == nil && errors.Is(err, context.Canceled) {
		err = errClosed // Close aborted it, not the caller
	}
	a.queueRepair(keys)
	a.l2Failed(pctx, err)
	return fmt.Errorf("%w: %w", ErrNotAnnounced, err)
}

// queueRepair remembers keys whose invalidation must be published, and wakes the
// supervisor if it was not already busy with earlier ones.
func (a *Adapter) queueRepair(keys []string) {
	if a.inv == nil || len(keys) == 0 {
		return
	}
	a.repairMu.Lock()
	was := len(a.repair) > 0 || a.repairAll
	a.addRepairLocked(keys)
	a.repairMu.Unlock()
	if !was {
		a.wake()
	}
}

// addRepairLocked adds keys to the repair queue; past maxRepair keys, the queue
// becomes "publish clearAllKey". The caller holds repairMu.
func (a *Adapter) addRepairLocked(keys []string) {
	if a.repairAll {
		return
	}
	for _, k := range keys {
		if k == clearAllKey || len(a.repair) >= maxRepair {
			a.repairAll = true
			clear(a.repair)
			return
		}
		a.repair[k] = struct{}{}
	}
}

func (a *Adapter) repairsPending() bool {
	a.repairMu.Lock()
	defer a.repairMu.Unlock()
	return len(a.repair) > 0 || a.repairAll
}

// flushRepairs publishes the queued invalidations; it reports success. What could
// not be published goes back in the queue.
func (a *Adapter) flushRepairs() bool {
	a.repairMu.Lock()
	keys := make([]string, 0, len(a.repair))
	for k := range a.repair {
		keys = append(keys, k)
	}
	if a.repairAll {
		keys = []string{clearAllKey}
	}
	a.repair = make(map[string]struct{})
	a.repairAll = false
	a.repairMu.Unlock()
	for len(keys) > 0 {
		n := min(len(keys), publishChunk)
		ctx, cancel := context.WithTimeout(a.ctx, publishTimeout)
		err := a.inv.Publish(ctx, keys[:n]...)
		cancel()
		if err != nil {
			a.repairMu.Lock()
			a.addRepairLocked(keys)
			a.repairMu.Unlock()
			return false
		}
		a.events.published.Add(announced(keys[:n])) // Report (report.go)
		keys = keys[n:]
	}
	return true
}

// wake makes the supervisor look at the adapter's state.
func (a *Adapter) wake() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}
