package strata

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// instruments are a Cache's OpenTelemetry instruments (docs/observability.md lists
// them). Only the two histograms are synchronous; every counter and gauge is
// observable, read from the Cache's atomics and the driver's adapter.Report by one
// callback when the MeterProvider collects.
type instruments struct {
	opDuration, loadDuration metric.Float64Histogram

	hits, misses, sets, removes, errors             metric.Int64ObservableCounter
	loads, coalesced, loadErrors, negative, stale   metric.Int64ObservableCounter
	layerHits, layerMisses                          metric.Int64ObservableCounter
	invPublished, invReceived, resets, breakerOpens metric.Int64ObservableCounter
	evictions, rejected, pipeBatches, pipeCommands  metric.Int64ObservableCounter
	breakerOpen, memoryCost, memoryMaxCost          metric.Int64ObservableGauge
	reg                                             metric.Registration
	recOp                                           [numOps][]metric.RecordOption
	recLoad                                         []metric.RecordOption
	obsBase                                         []metric.ObserveOption
	obsOp                                           [numOps][]metric.ObserveOption
	obsErr                                          [numOps][numClasses][]metric.ObserveOption
	obsL1, obsL2                                    []metric.ObserveOption
}

// newInstruments creates o's instruments on meter and registers the callback that
// observes them. It returns nil when meter refuses any of them (the SDK does only
// for invalid names or units, and the tests hold ours valid): the Cache then does
// without metrics, and Stats still counts.
func newInstruments(meter metric.Meter, o *observer) *instruments {
	in := &instruments{}
	base := []attribute.KeyValue{attribute.String("cache", o.name), attribute.String("driver", o.driver)}
	with := func(kv ...attribute.KeyValue) attribute.Set {
		return attribute.NewSet(append(append([]attribute.KeyValue(nil), base...), kv...)...)
	}
	in.obsBase = []metric.ObserveOption{metric.WithAttributeSet(with())}
	in.recLoad = []metric.RecordOption{metric.WithAttributeSet(with())}
	for op := range numOps {
		set := with(attribute.String("op", opNames[op]))
		in.obsOp[op] = []metric.ObserveOption{metric.WithAttributeSet(set)}
		in.recOp[op] = []metric.RecordOption{metric.WithAttributeSet(set)}
		for c := range numClasses {
			in.obsErr[op][c] = []metric.ObserveOption{metric.WithAttributeSet(
				with(attribute.String("op", opNames[op]), attribute.String("class", classNames[c])))}
		}
	}
	in.obsL1 = []metric.ObserveOption{metric.WithAttributeSet(with(attribute.String("layer", "l1")))}
	in.obsL2 = []metric.ObserveOption{metric.WithAttributeSet(with(attribute.String("layer", "l2")))}

	var failed error
	keep := func(err error) {
		if err != nil && failed == nil {
			failed = err
		}
	}
	counter := func(name, unit, desc string) metric.Int64ObservableCounter {
		c, err := meter.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		keep(err)
		return c
	}
	gauge := func(name, unit, desc string) metric.Int64ObservableGauge {
		g, err := meter.Int64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		keep(err)
		return g
	}
	var err error
	in.opDuration, err = meter.Float64Histogram("strata.cache.operation.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of Cache operations (over in-process drivers, one call in 128 is timed)."),
		metric.WithExplicitBucketBoundaries(opBuckets...))
	keep(err)
	in.loadDuration, err = meter.Float64Histogram("strata.cache.load.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of GetOrSet loader calls."),
		metric.WithExplicitBucketBoundaries(loadBuckets...))
	keep(err)

	in.hits = counter("strata.cache.hits", "{key}", "Keys read operations found.")
	in.misses = counter("strata.cache.misses", "{key}", "Keys read operations did not find.")
	in.sets = counter("strata.cache.sets", "{key}", "Keys stored.")
	in.removes = counter("strata.cache.removes", "{key}", "Keys passed to Remove calls that succeeded.")
	in.errors = counter("strata.cache.errors", "{error}", "Failed driver calls and codec failures, by class.")
	in.loads = counter("strata.cache.loads", "{load}", "GetOrSet loader calls.")
	in.coalesced = counter("strata.cache.loads.coalesced", "{call}", "GetOrSet calls that waited for a load already in flight.")
	in.loadErrors = counter("strata.cache.load.errors", "{load}", "GetOrSet loader calls that failed or panicked.")
	in.negative = counter("strata.cache.negative.hits", "{call}", "Calls answered from a cached absence (Options.NegativeTTL).")
	in.stale = counter("strata.cache.stale.served", "{call}", "GetOrSet calls answered with a stale value (stale-if-error).")
	in.layerHits = counter("strata.cache.layer.hits", "{read}", "Reads a layer of a layered driver served.")
	in.layerMisses = counter("strata.cache.layer.misses", "{read}", "Reads a layer of a layered driver did not serve.")
	in.invPublished = counter("strata.cache.invalidations.published", "{key}", "Keys this process announced as changed.")
	in.invReceived = counter("strata.cache.invalidations.received", "{key}", "Keys other processes announced as changed.")
	in.resets = counter("strata.cache.resets", "{reset}", "Times an in-process layer was dropped whole.")
	in.breakerOpen = gauge("strata.cache.breaker.open", "1", "1 while the driver's circuit breaker is open, else 0.")
	in.breakerOpens = counter("strata.cache.breaker.opens", "{open}", "Times the driver's circuit breaker opened.")
	in.memoryCost = gauge("strata.cache.memory.cost", "By", "Bytes an in-process store's entries are charged.")
	in.memoryMaxCost = gauge("strata.cache.memory.max_cost", "By", "An in-process store's bound in bytes (0: none).")
	in.evictions = counter("strata.cache.evictions", "{entry}", "Entries an in-process store dropped to stay within its bound.")
	in.rejected = counter("strata.cache.rejected", "{write}", "Writes an in-process store did not keep.")
	in.pipeBatches = counter("strata.cache.pipeline.batches", "{batch}", "Round trips an auto-pipeline sent.")
	in.pipeCommands = counter("strata.cache.pipeline.commands", "{command}", "Commands an auto-pipeline's round trips carried.")

	if failed != nil {
		return nil
	}
	in.reg, err = meter.RegisterCallback(func(_ context.Context, ob metric.Observer) error {
		in.observe(o, ob)
		return nil
	}, in.hits, in.misses, in.sets, in.removes, in.errors, in.loads, in.coalesced, in.loadErrors,
		in.negative, in.stale, in.layerHits, in.layerMisses, in.invPublished, in.invReceived, in.resets,
		in.breakerOpen, in.breakerOpens, in.memoryCost, in.memoryMaxCost, in.evictions, in.rejected,
		in.pipeBatches, in.pipeCommands)
	if err != nil {
		return nil
	}
	return in
}

// observe reports o's counters and its driver's Report to ob.
func (in *instruments) observe(o *observer, ob metric.Observer) {
	t := o.totals()
	for _, op := range readOps {
		ob.ObserveInt64(in.hits, int64(t.hot[hitBase+int(op)]), in.obsOp[op]...)
		ob.ObserveInt64(in.misses, int64(t.hot[missBase+int(op)]), in.obsOp[op]...)
	}
	for _, op := range writeOps {
		ob.ObserveInt64(in.sets, int64(t.hot[setIndex(op)]), in.obsOp[op]...)
	}
	ob.ObserveInt64(in.removes, int64(t.hot[removed]), in.obsOp[opRemove]...)
	for op := range numOps {
		for c := range numClasses {
			// An error series starts at its first error: 32 series of zeros per
			// cache would be noise.
			if n := o.errs[op][c].Load(); n > 0 {
				ob.ObserveInt64(in.errors, int64(n), in.obsErr[op][c]...)
			}
		}
	}
	ob.ObserveInt64(in.loads, int64(o.loads.Load()), in.obsBase...)
	ob.ObserveInt64(in.coalesced, int64(o.coalesced.Load()), in.obsBase...)
	ob.ObserveInt64(in.loadErrors, int64(o.loadErrors.Load()), in.obsBase...)
	ob.ObserveInt64(in.negative, int64(o.negative.Load()), in.obsBase...)
	ob.ObserveInt64(in.stale, int64(o.stale.Load()), in.obsBase...)
	if o.reporter == nil {
		return
	}
	r := o.reporter.Report()
	ob.ObserveInt64(in.layerHits, int64(r.L1Hits), in.obsL1...)
	ob.ObserveInt64(in.layerHits, int64(r.L2Hits), in.obsL2...)
	ob.ObserveInt64(in.layerMisses, int64(r.L1Misses), in.obsL1...)
	ob.ObserveInt64(in.layerMisses, int64(r.L2Misses), in.obsL2...)
	ob.ObserveInt64(in.invPublished, int64(r.InvalidationsPublished), in.obsBase...)
	ob.ObserveInt64(in.invReceived, int64(r.InvalidationsReceived), in.obsBase...)
	ob.ObserveInt64(in.resets, int64(r.Resets), in.obsBase...)
	open := int64(0)
	if r.BreakerOpen {
		open = 1
	}
	ob.ObserveInt64(in.breakerOpen, open, in.obsBase...)
	ob.ObserveInt64(in.breakerOpens, int64(r.BreakerOpens), in.obsBase...)
	ob.ObserveInt64(in.memoryCost, r.MemoryCost, in.obsBase...)
	ob.ObserveInt64(in.memoryMaxCost, r.MemoryMaxCost, in.obsBase...)
	ob.ObserveInt64(in.evictions, int64(r.Evictions), in.obsBase...)
	ob.ObserveInt64(in.rejected, int64(r.Rejected), in.obsBase...)
	ob.ObserveInt64(in.pipeBatches, int64(r.PipelineBatches), in.obsBase...)
	ob.ObserveInt64(in.pipeCommands, int64(r.PipelineCommands), in.obsBase...)
}

// totals are the sums of an observer's striped counters.
type totals struct{ hot [numHot]uint64 }

func (o *observer) totals() totals {
	var t totals
	for i := range o.stripes {
		for j := range t.hot {
			t.hot[j] += o.stripes[i].n[j].Load()
		}
	}
	return t
}
