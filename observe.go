package strata

import (
	"context"
	"errors"
	"net"
	"path"
	"reflect"
	"regexp"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/internal/fastpath"
	"github.com/stratacache/strata/internal/stackslot"
)

// How a Cache observes itself (docs/observability.md has the instruments): a Cache
// with Options.MeterProvider, TracerProvider or CountStats holds an *observer; one
// with none of them holds nil, and every call then pays one nil check for all of
// this. Counting happens in the Cache's own atomics, striped and padded so that
// goroutines on different cores do not share a cache line; the MeterProvider reads
// them through observable instruments, with one callback, when it collects. A
// synchronous Counter.Add per hit would cost more than the hit of an in-process
// driver (about 100ns), so only the latency histograms are synchronous, and over an
// in-process driver they time one call in sampleEvery.

// instrumentationName names the Meter and Tracer the Cache asks its providers for.
const instrumentationName = "github.com/stratacache/strata"

// opKind is a Cache operation, the "op" attribute.
type opKind uint8

const (
	opGet opKind = iota // Get and GetOrDefault
	opGetMany
	opGetOrSet
	opSet
	opSetMany
	opRemove
	opUpdateTimeout
	opClear
	numOps
)

// opNames are the "op" attribute values; spanNames the spans' names.
var (
	opNames   = [numOps]string{"get", "get_many", "get_or_set", "set", "set_many", "remove", "update_timeout", "clear"}
	spanNames = [numOps]string{"strata.Get", "strata.GetMany", "strata.GetOrSet", "strata.Set", "strata.SetMany",
		"strata.Remove", "strata.UpdateTimeout", "strata.Clear"}
)

// readOps are the operations that count hits and misses; writeOps those that count sets.
var (
	readOps  = [...]opKind{opGet, opGetMany, opGetOrSet}
	writeOps = [...]opKind{opSet, opSetMany, opGetOrSet}
)

// errClass is an error's class, the "class" attribute of strata.cache.errors.
type errClass uint8

const (
	classUnavailable errClass = iota // errors.Is(err, ErrUnavailable)
	classTimeout                     // context.DeadlineExceeded or a net.Error that timed out
	classCodec                       // errors.Is(err, ErrCodec)
	classOther                       // any other failure
	numClasses
	classNone // not counted: a miss, or an error the caller caused (see classify)
)

var classNames = [numClasses]string{"unavailable", "timeout", "codec", "other"}

// classify returns err's class, or classNone for what strata.cache.errors does not
// count: misses (ErrNotFound, ErrCachedAbsence included) and the errors the Cache
// answers for the caller's own reasons, never a backend's: a closed Cache (or
// driver), an invalid key or ttl, and a ctx the caller cancelled. A ctx whose
// deadline passed counts as a timeout.
func classify(err error) errClass {
	switch {
	case err == nil, errors.Is(err, ErrNotFound):
		return classNone
	case errors.Is(err, ErrUnavailable):
		return classUnavailable
	case errors.Is(err, context.DeadlineExceeded) || isNetTimeout(err):
		return classTimeout
	case errors.Is(err, ErrCodec):
		return classCodec
	case errors.Is(err, ErrClosed), errors.Is(err, ErrInvalidKey), errors.Is(err, ErrInvalidTTL),
		errors.Is(err, context.Canceled), errors.Is(err, errNilLoader):
		return classNone
	}
	return classOther
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// The counters each stripe holds: hits and misses of the read operations (indexed by
// opGet, opGetMany, opGetOrSet), keys stored by the write operations, keys removed.
const (
	hitBase  = 0                       // + the read op
	missBase = hitBase + len(readOps)  // + the read op
	setBase  = missBase + len(readOps) // + setIndex(op)
	removed  = setBase + len(writeOps)
	numHot   = removed + 1
)

func setIndex(op opKind) int {
	switch op {
	case opSet:
		return setBase
	case opSetMany:
		return setBase + 1
	}
	return setBase + 2
}

// stripe is one goroutine group's share of the hot counters. Its counters sit
// between 64 bytes of padding before and more than 64 after, so that whatever
// the slice's alignment no two stripes' counters share a cache line (nor, with the
// adjacent-line prefetcher, a 128-byte pair).
type stripe struct {
	_ [64]byte
	n [numHot]atomic.Uint64
	// timeNext is set when this stripe's next call is to be timed: one in
	// sampleEvery calls over an in-process driver (see observer.clock).
	timeNext atomic.Uint32
	_        [256 - 64 - numHot*8 - 4]byte
}

// sampleEvery is how many calls over an in-process driver (one implementing a
// fastpath: drivers/memory, drivers/layered) share one timed call: reading the
// clock twice and an SDK histogram Record cost about 1.5 times a memory hit
// (about 1,900 instructions, BenchmarkObserveHit), so that one timed call in 128
// adds about 1% to a hit. A power of two.
const sampleEvery = 128

// maxStripes bounds the stripes of a Cache (256 bytes each).
const maxStripes = 64

// The histograms' bucket boundaries, in seconds: operations from 100ns (an
// in-process hit) to 10s, loads from 100µs to a minute.
var (
	opBuckets = []float64{1e-7, 2.5e-7, 5e-7, 1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4,
		1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	loadBuckets = []float64{1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
		1, 2.5, 5, 10, 30, 60}
)

// epoch is what the clock readings of observer.clock count from: time.Since of a
// time with a monotonic reading reads the clock once, where time.Now reads it twice.
var epoch = time.Now()

// observer is a Cache's metrics, traces and Stats counters.
type observer struct {
	stripes []stripe
	shift   uint   // 64 - log2(len(stripes)), below 64: stripe() keeps the top bits of a hash
	mask    uint64 // a counter crossing a multiple of mask+1 times its stripe's next call; ^0: never
	timeAll bool   // time every call (a networked driver, or tracing on)

	counting  bool // Stats reports the counters (MeterProvider or CountStats)
	name      string
	driver    string
	reporter  adapter.Reporter // nil unless the adapter is one
	tracer    trace.Tracer     // nil unless Options.TracerProvider
	traceKeys bool

	// Counters off the hot paths, one of each, padded away from the fields
	// above, which every call reads.
	_           [64]byte
	errs        [numOps][numClasses]atomic.Uint64
	loads       atomic.Uint64
	coalesced   atomic.Uint64
	loadErrors  atomic.Uint64
	negative    atomic.Uint64
	stale       atomic.Uint64
	_           [64]byte
	inst        *instruments // nil without a MeterProvider
	unregister  sync.Once
	traceOption [numOps][]trace.SpanStartOption // each span's kind and first attributes: op, cache, driver
}

// observeConfig is what newObserver needs from Options.
type observeConfig struct {
	meters     metric.MeterProvider
	tracers    trace.TracerProvider
	name       string
	traceKeys  bool
	countStats bool
}

// newObserver returns the observer of a Cache over a, or nil when cfg turns
// nothing on.
func newObserver(a adapter.Adapter, cfg observeConfig) *observer {
	if cfg.meters == nil && cfg.tracers == nil && !cfg.countStats {
		return nil
	}
	o := &observer{
		counting:  cfg.meters != nil || cfg.countStats,
		name:      cfg.name,
		traceKeys: cfg.traceKeys,
		mask:      ^uint64(0),
	}
	o.reporter, _ = a.(adapter.Reporter)
	o.driver = driverName(a, o.reporter)
	n := 2 // at least 2, so that stripe's shift is below 64
	for n < 2*runtime.GOMAXPROCS(0) && n < maxStripes {
		n *= 2
	}
	o.stripes = make([]stripe, n)
	o.shift = 64
	for m := n; m > 1; m /= 2 {
		o.shift--
	}
	if cfg.tracers != nil {
		o.tracer = cfg.tracers.Tracer(instrumentationName)
		for op := range numOps {
			o.traceOption[op] = []trace.SpanStartOption{
				trace.WithSpanKind(trace.SpanKindInternal),
				trace.WithAttributes(
					attribute.String("strata.op", opNames[op]),
					attribute.String("strata.cache", o.name),
					attribute.String("strata.driver", o.driver)),
			}
		}
	}
	if cfg.meters != nil {
		o.inst = newInstruments(cfg.meters.Meter(instrumentationName), o)
	}
	if o.inst != nil {
		_, viewer := a.(fastpath.Viewer)
		_, memo := a.(fastpath.Memoizer)
		// Two clock readings are nothing beside a networked call, or a span.
		o.timeAll = o.tracer != nil || (!viewer && !memo)
		o.mask = sampleEvery - 1
	}
	return o
}

// versionElem matches a module major-version path element ("v2").
var versionElem = regexp.MustCompile(`^v[0-9]+$`)

// driverName is the "driver" attribute: the adapter's Report().Driver, else the
// name of the package that defines its type ("memory" for *memory.Adapter).
func driverName(a adapter.Adapter, r adapter.Reporter) string {
	if r != nil {
		if d := r.Report().Driver; d != "" {
			return d
		}
	}
	if _, ok := a.(noAdapter); ok {
		return "none"
	}
	t := reflect.TypeOf(a)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	p := t.PkgPath()
	if p == "" {
		return "unknown"
	}
	if base := path.Base(p); !versionElem.MatchString(base) || path.Dir(p) == "." {
		return base
	}
	return path.Base(path.Dir(p))
}

// stripe returns the calling goroutine's stripe (see internal/stackslot).
func (o *observer) stripe() *stripe {
	return &o.stripes[stackslot.Hash()>>(o.shift&63)] // &63: shift is below 64, so the shift needs no check for 64
}

// add counts one at counter i of s, and marks s's next call to be timed when the
// count crosses a multiple of sampleEvery.
func (o *observer) add(s *stripe, i int) {
	if s.n[i].Add(1)&o.mask == 0 {
		s.timeNext.Store(1)
	}
}

// addN counts n at counter i of s.
func (o *observer) addN(s *stripe, i, n int) {
	if n > 0 && s.n[i].Add(uint64(n))&o.mask < uint64(n) {
		s.timeNext.Store(1)
	}
}

// clock returns the clock reading (since epoch, never 0) a timed call starts from,
// or 0 when this call is not timed. Hot paths test o.timeAll and s.timeNext
// before calling it.
func (o *observer) clock(s *stripe) time.Duration {
	if o.timeAll || (s.timeNext.Load() != 0 && s.timeNext.Swap(0) != 0) {
		return max(time.Since(epoch), 1)
	}
	return 0
}

// took records the latency of a call of op timed from t0 (a clock reading).
func (o *observer) took(ctx context.Context, op opKind, t0 time.Duration) {
	if o.inst != nil {
		o.inst.opDuration.Record(ctx, (time.Since(epoch) - t0).Seconds(), o.inst.recOp[op]...)
	}
}

// fail counts err, an error of a call of op, by class; it does not count what
// classify does not.
func (o *observer) fail(op opKind, err error) {
	if c := classify(err); c != classNone {
		o.errs[op][c].Add(1)
	}
}

// failBatch counts the errors of a batch call of op: one per key of a
// *BatchError, else one for the call.
func (o *observer) failBatch(op opKind, err error) {
	var be *BatchError
	if errors.As(err, &be) && len(be.Errs) > 0 {
		for _, e := range be.Errs {
			o.fail(op, e)
		}
		return
	}
	o.fail(op, err)
}

// read counts the outcome of one key read by op: a hit (err nil), a miss (and a
// negative-cache hit for ErrCachedAbsence), or an error by class.
func (o *observer) read(s *stripe, op opKind, err error) {
	switch {
	case err == nil:
		o.add(s, hitBase+int(op))
	case errors.Is(err, ErrNotFound):
		o.add(s, missBase+int(op))
		if errors.Is(err, ErrCachedAbsence) {
			o.negative.Add(1)
		}
	default:
		o.fail(op, err)
	}
}

// opCall is one observed call in progress.
type opCall struct {
	s    *stripe
	t0   time.Duration // 0: not timed
	span trace.Span    // nil unless tracing
}

// begin starts observing a call of op: its stripe, its clock reading when it is
// timed, and with tracing a span (a child of ctx's), returned in ctx.
func (o *observer) begin(ctx context.Context, op opKind) (context.Context, opCall) {
	s := o.stripe()
	if o.tracer != nil {
		var sp trace.Span
		ctx, sp = o.tracer.Start(ctx, spanNames[op], o.traceOption[op]...)
		return ctx, opCall{s: s, t0: o.clock(s), span: sp}
	}
	return ctx, opCall{s: s, t0: o.clock(s)}
}

// end finishes observing the call oc of op that returned err: its latency, and its
// span's status. It counts no outcome: the caller does.
func (o *observer) end(ctx context.Context, oc opCall, op opKind, err error) {
	if oc.t0 != 0 {
		o.took(ctx, op, oc.t0)
	}
	if oc.span != nil {
		o.endSpan(oc.span, err)
	}
}

// close stops the MeterProvider from reading this Cache's counters, so that a
// closed Cache can be collected.
func (o *observer) close() {
	if o.inst != nil && o.inst.reg != nil {
		o.unregister.Do(func() { _ = o.inst.reg.Unregister() })
	}
}
