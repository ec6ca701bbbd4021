package redis

import (
	"sync/atomic"

	"github.com/stratacache/strata/adapter"
)

var _ adapter.Reporter = (*Adapter)(nil)

// Report returns the adapter's own counters (see adapter.Reporter), for
// strata.Cache's metrics and Stats:
//
//   - Driver is "redis".
//   - BreakerOpen is whether the circuit breaker is open now (see BreakerOpen);
//     BreakerOpens counts the times it opened. Both stay zero with the breaker off.
//   - InvalidationsPublished counts the keys Publish announced (its calls that
//     succeeded); InvalidationsReceived the keys of the messages other adapters
//     published that reached this adapter's subscriptions (its own messages, which
//     SubscribeAll also delivers, are not counted), once per subscription.
//   - Resets counts the times a subscription called its onReset: its connection
//     failed or went silent, it was re-established, or an unreadable message came.
//   - PipelineBatches counts the pipelines the auto-pipeline sent
//     (Options.AutoPipeline; on a Cluster go-redis splits one by node) and
//     PipelineCommands the commands they carried: GetWithTTL's GET+PTTL counts
//     two, and a read answered with an identical read's reply none. A call run
//     directly (few calls in flight, see Options.AutoPipeline) is in neither.
//
// The counters are kept where the events happen (a publish, a message, a batch),
// never per command. Report is safe to call at any time, during and after Close
// included.
func (a *Adapter) Report() adapter.Report {
	r := adapter.Report{
		Driver:                 "redis",
		InvalidationsPublished: a.counts.published.Load(),
		InvalidationsReceived:  a.counts.received.Load(),
		Resets:                 a.counts.resets.Load(),
	}
	if b := a.brk; b != nil {
		r.BreakerOpen = b.open.Load() != nil
		r.BreakerOpens = b.opens.Load()
	}
	if p := a.autoPipe; p != nil {
		r.PipelineBatches = p.batches.Load()
		r.PipelineCommands = p.commands.Load()
	}
	return r
}

// eventCounts are the adapter's counters of invalidations (Report).
type eventCounts struct {
	published, received, resets atomic.Uint64
}

// reset tells the subscriber that messages may have been lost, and counts it.
func (s *subscription) reset() {
	s.a.counts.resets.Add(1)
	s.onReset()
}
