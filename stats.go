package strata

import "github.com/stratacache/strata/adapter"

// Stats is a snapshot of a Cache's counters, for programs without OpenTelemetry
// (Options.CountStats) and for tests; with Options.MeterProvider the same counts
// are its metrics (docs/observability.md). Counts only grow over the Cache's life;
// each is read atomically, but not all at one instant.
type Stats struct {
	// Enabled says whether the Cache counts (Options.MeterProvider or
	// CountStats). When it is false every Cache count below is zero.
	Enabled bool

	// Hits and Misses count the keys Get (and GetOrDefault), GetMany and GetOrSet
	// read and found, or did not find: a GetMany of 3 keys counts 3. A key cached
	// as absent is a miss (and a NegativeHit). Errors are neither.
	Hits, Misses uint64
	// Sets counts the keys stored by Set, SetMany and GetOrSet's store of a
	// loaded value; Removes the keys passed to Remove calls that succeeded.
	Sets, Removes uint64
	// Errors counts failed driver calls and codec failures, by class (see
	// ErrorStats), GetOrSet's included even when it carried on without the cache.
	// Misses, and what the caller caused (a closed Cache, an invalid key or ttl,
	// a cancelled ctx), are not counted.
	Errors ErrorStats

	// Loads counts GetOrSet loader calls; Coalesced the GetOrSet calls that
	// waited for a load already in flight instead of calling the loader;
	// LoadErrors the loader calls that returned an error (other than ErrNotFound,
	// an answer) or panicked.
	Loads, Coalesced, LoadErrors uint64
	// NegativeHits counts the Get and GetOrSet calls answered ErrCachedAbsence
	// (Options.NegativeTTL); StaleServed the GetOrSet calls answered with a stale
	// value and ErrStale.
	NegativeHits, StaleServed uint64

	// Reported says whether the driver implements adapter.Reporter; Driver is its
	// Report, read by this call, whether or not the Cache counts (the driver
	// counts anyway).
	Reported bool
	Driver   adapter.Report
}

// ErrorStats counts errors by class: what strata.cache.errors' "class" attribute
// says.
type ErrorStats struct {
	// Unavailable: errors wrapping ErrUnavailable (the backend is down or
	// unreachable, or its circuit breaker is open).
	Unavailable uint64
	// Timeout: errors wrapping context.DeadlineExceeded, or a net.Error that
	// timed out.
	Timeout uint64
	// Codec: errors wrapping ErrCodec (a value that cannot be encoded, stored
	// bytes that cannot be decoded).
	Codec uint64
	// Other: every other failure, such as a reply about the request (WRONGTYPE).
	Other uint64
}

// Total returns the sum of every class.
func (e ErrorStats) Total() uint64 { return e.Unavailable + e.Timeout + e.Codec + e.Other }

// Stats returns a snapshot of the Cache's counters and its driver's Report. It is
// cheap (a few hundred atomic loads) and safe for concurrent use, also after Close.
func (c *Cache[V]) Stats() Stats {
	var s Stats
	if r, ok := c.a.(adapter.Reporter); ok {
		s.Reported, s.Driver = true, r.Report()
	}
	o := c.obs
	if o == nil || !o.counting {
		return s
	}
	s.Enabled = true
	t := o.totals()
	for _, op := range readOps {
		s.Hits += t.hot[hitBase+int(op)]
		s.Misses += t.hot[missBase+int(op)]
	}
	for _, op := range writeOps {
		s.Sets += t.hot[setIndex(op)]
	}
	s.Removes = t.hot[removed]
	for op := range numOps {
		s.Errors.Unavailable += o.errs[op][classUnavailable].Load()
		s.Errors.Timeout += o.errs[op][classTimeout].Load()
		s.Errors.Codec += o.errs[op][classCodec].Load()
		s.Errors.Other += o.errs[op][classOther].Load()
	}
	s.Loads = o.loads.Load()
	s.Coalesced = o.coalesced.Load()
	s.LoadErrors = o.loadErrors.Load()
	s.NegativeHits = o.negative.Load()
	s.StaleServed = o.stale.Load()
	return s
}

// observedName is the "cache" attribute: Options.Name, else the prefix, else
// "default".
func observedName(name, prefix string) string {
	switch {
	case name != "":
		return name
	case prefix != "":
		return prefix
	}
	return "default"
}
