package adapter

// Reporter is implemented by drivers that count events of their own, which only the
// driver sees: reads served by an in-process layer, invalidations, resets, a circuit
// breaker's state, a memory bound's cost and evictions, auto-pipeline batches.
// strata.Cache reads it for its metrics (as observable instruments, when they are
// collected) and for Stats, so a driver only keeps counters and never imports a
// metrics library.
//
// Report must be cheap and safe for concurrent use, at any time, including during and
// after Close.
type Reporter interface {
	Report() Report
}

// Report is a snapshot of a driver's own counters. Counters (the uint64 fields) only
// grow over the adapter's life; a driver leaves zero what it does not have. A driver
// over another (layered over redis) reports its own counters and adds those of the
// adapter underneath that it does not count itself (the breaker, the pipeline).
type Report struct {
	// Driver names the driver in metrics (the "driver" attribute): its URL scheme,
	// such as "memory", "redis" or "layered".
	Driver string

	// L1Hits and L1Misses count the reads the in-process layer of a layered driver
	// served and did not serve; L2Hits and L2Misses count its reads of the shared
	// layer underneath that found a value and that did not.
	L1Hits, L1Misses, L2Hits, L2Misses uint64

	// InvalidationsPublished counts the keys this process announced as changed to
	// other processes; InvalidationsReceived counts the keys other processes
	// announced that reached this one.
	InvalidationsPublished, InvalidationsReceived uint64
	// Resets counts the times an in-process layer was dropped whole because
	// invalidations may have been missed (a lost subscription, an outage).
	Resets uint64

	// BreakerOpen is true while the driver's circuit breaker is open (the backend is
	// known down and calls fail fast); BreakerOpens counts the times it opened.
	BreakerOpen  bool
	BreakerOpens uint64

	// MemoryCost is what an in-process store's entries are charged now, in bytes,
	// and MemoryMaxCost its bound (0 when it has none); Evictions counts entries it
	// dropped to stay within the bound, Rejected the writes it did not keep.
	MemoryCost, MemoryMaxCost int64
	Evictions, Rejected       uint64

	// PipelineBatches counts the round trips an auto-pipeline sent and
	// PipelineCommands the commands they carried: their ratio is the mean batch size.
	PipelineBatches, PipelineCommands uint64
}
