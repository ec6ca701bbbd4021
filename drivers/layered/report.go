package layered

import (
	"strings"
	"sync/atomic"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/internal/stackslot"
)

var _ adapter.Reporter = (*Adapter)(nil)

// Report returns the adapter's own counters (see adapter.Reporter), for
// strata.Cache's metrics and Stats:
//
//   - Driver is "layered".
//   - L1Hits and L1Misses count the keys reads looked up in L1 that it served and
//     did not serve (a miss, or a value too stale to serve); reads made while L1 is
//     bypassed (see Healthy) do not look it up, and GetWithTTL always asks L2. A
//     fallback to L1 while L2 fails (Options.ServeStaleOnL2Error) is a lookup too.
//   - L2Hits and L2Misses count the keys reads asked L2 for that it returned and
//     that it did not have; a read L2 failed (an outage, a reply about the key) is
//     neither.
//   - InvalidationsPublished counts the keys this adapter announced to other
//     processes (when the announcement succeeded, first time or re-published),
//     InvalidationsReceived the keys other processes announced that reached it; a
//     Clear counts as one key, and the adapter's probes are not counted.
//   - Resets counts the times L1 stopped being served (and was emptied, unless it
//     is kept as a fallback) because invalidations may have been missed or L2
//     failed: the calls of Options.OnReset.
//   - MemoryCost, MemoryMaxCost, Evictions and Rejected are L1's, when L1 is an
//     adapter.Reporter (drivers/memory is); BreakerOpen, BreakerOpens,
//     PipelineBatches and PipelineCommands are L2's, when L2 is one
//     (drivers/redis is). L2's other counters are not added: the adapter counts
//     invalidations as it sees them.
//
// An L1 hit costs one atomic add on a counter of its own cache line, chosen by the
// calling goroutine's stack (as drivers/memory's close gate does), so that readers
// on different cores do not contend for one line. Report is safe to call at any
// time, during and after Close included.
func (a *Adapter) Report() adapter.Report {
	r := adapter.Report{
		Driver:                 "layered",
		InvalidationsPublished: a.events.published.Load(),
		InvalidationsReceived:  a.events.received.Load(),
		Resets:                 a.events.resets.Load(),
	}
	for i := range a.reads.slots {
		s := &a.reads.slots[i]
		r.L1Hits += s.l1Hits.Load()
		r.L1Misses += s.l1Misses.Load()
		r.L2Hits += s.l2Hits.Load()
		r.L2Misses += s.l2Misses.Load()
	}
	if l1, ok := a.l1.(adapter.Reporter); ok {
		m := l1.Report()
		r.MemoryCost, r.MemoryMaxCost = m.MemoryCost, m.MemoryMaxCost
		r.Evictions, r.Rejected = m.Evictions, m.Rejected
	}
	if l2, ok := a.l2.(adapter.Reporter); ok {
		s := l2.Report()
		r.BreakerOpen, r.BreakerOpens = s.BreakerOpen, s.BreakerOpens
		r.PipelineBatches, r.PipelineCommands = s.PipelineBatches, s.PipelineCommands
	}
	return r
}

// eventCounts are the counters of rare events (Report).
type eventCounts struct {
	published, received, resets atomic.Uint64
}

const (
	cacheLine     = 64
	readSlotsBits = 6
	readSlots     = 1 << readSlotsBits
)

// readCounts are the counters of reads, striped: every read adds to the stripe of
// its goroutine (see slot), and Report sums them. They are part of the Adapter, so
// that a read finds them without loading a pointer; Go cannot align them to a cache
// line there, so padding keeps them off the lines of the Adapter's other fields
// and each stripe's counters off the lines of the others', wherever they start.
type readCounts struct {
	_     [cacheLine]byte
	slots [readSlots]readSlot
}

// readSlot is one stripe of readCounts: 32 bytes of counters and enough padding
// that no cache line holds counters of two stripes.
type readSlot struct {
	l1Hits, l1Misses, l2Hits, l2Misses atomic.Uint64
	_                                  [3 * cacheLine / 2]byte
}

// slot returns the calling goroutine's stripe (see internal/stackslot).
func (c *readCounts) slot() *readSlot {
	return &c.slots[stackslot.Hash()>>(64-readSlotsBits)]
}

// l1Hit counts a key L1 served.
func (a *Adapter) l1Hit() { a.reads.slot().l1Hits.Add(1) }

// l1Miss counts a key looked up in L1 that it did not serve.
func (a *Adapter) l1Miss() { a.reads.slot().l1Misses.Add(1) }

// l1Lookups counts n keys looked up in L1 together, of which it served hits.
func (a *Adapter) l1Lookups(n, hits int) {
	s := a.reads.slot()
	if hits > 0 {
		s.l1Hits.Add(uint64(hits))
	}
	if n > hits {
		s.l1Misses.Add(uint64(n - hits))
	}
}

// l2Read counts a key read from L2: found, or a miss.
func (a *Adapter) l2Read(found bool) {
	if found {
		a.reads.slot().l2Hits.Add(1)
	} else {
		a.reads.slot().l2Misses.Add(1)
	}
}

// l2Batch counts the keys of a batch read from L2: those in vals are hits, those
// in failed (the keys L2 could not read) neither, the others misses.
func (a *Adapter) l2Batch(keys []string, vals map[string][]byte, failed map[string]error) {
	var hits, misses uint64
	for _, k := range keys {
		if _, ok := vals[k]; ok {
			hits++
		} else if _, ok := failed[k]; !ok {
			misses++
		}
	}
	s := a.reads.slot()
	if hits > 0 {
		s.l2Hits.Add(hits)
	}
	if misses > 0 {
		s.l2Misses.Add(misses)
	}
}

// announced returns how many keys a message of keys announces for Report: a
// Clear's reserved keys (clearPrefixKey and the clearAllKey after it, or
// clearAllKey alone) count as one, probes as none.
func announced(keys []string) uint64 {
	var n uint64
	for i := 0; i < len(keys); i++ {
		k := keys[i]
		switch {
		case isProbe(k):
			continue
		case strings.HasPrefix(k, clearPrefixKey) && i+1 < len(keys) && keys[i+1] == clearAllKey:
			i++
		}
		n++
	}
	return n
}
