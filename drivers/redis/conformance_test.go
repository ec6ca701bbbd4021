package redis

import (
	"context"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/conformance"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// conformanceGrace is the revival window of the grace configuration: a few of the
// suite's 50ms units, as conformance.Harness recommends.
const conformanceGrace = 400 * time.Millisecond

// harness gives every spec a fresh adapter with a random prefix over one shared
// client per topology; the adapters never close that client.
func harness(t *testing.T, rawURL string, grace time.Duration) conformance.Harness {
	return harnessWith(t, rawURL, Options{Grace: grace})
}

// harnessWith is harness with more options (a random prefix is added).
func harnessWith(t *testing.T, rawURL string, opts Options) conformance.Harness {
	rdb := client(t, rawURL)
	grace := opts.Grace
	return conformance.Harness{
		New: func(context.Context) (adapter.Adapter, error) {
			o := opts
			o.Prefix = redistest.RandomPrefix()
			a, err := New(rdb, &o)
			if err == nil && a.autoPipe != nil {
				a.autoPipe.always = true // every call through the autopipeliner, not only overlapping ones
			}
			return a, err
		},
		Grace: grace,
	}
}

// TestConformance runs the conformance suite against every topology in one Ginkgo
// suite.
func TestConformance(t *testing.T) {
	conformance.Run(t, "redis conformance",
		conformance.Named{Name: "redis standalone", Harness: harness(t, serverURL(t), 0)},
		conformance.Named{Name: "redis standalone with grace", Harness: harness(t, serverURL(t), conformanceGrace)},
		conformance.Named{Name: "redis cluster", Harness: harness(t, sharedCluster(t).URL(), 0)},
		conformance.Named{Name: "redis cluster with grace", Harness: harness(t, sharedCluster(t).URL(), conformanceGrace)},
		conformance.Named{Name: "redis sentinel", Harness: harness(t, sharedSentinel(t).URL(), 0)},
		conformance.Named{Name: "redis standalone autopipeline", Harness: harnessWith(t, serverURL(t), Options{AutoPipeline: true})},
		conformance.Named{Name: "redis standalone autopipeline with grace",
			Harness: harnessWith(t, serverURL(t), Options{AutoPipeline: true, Grace: conformanceGrace})},
		conformance.Named{Name: "redis cluster autopipeline", Harness: harnessWith(t, sharedCluster(t).URL(), Options{AutoPipeline: true})},
		conformance.Named{Name: "redis sentinel autopipeline", Harness: harnessWith(t, sharedSentinel(t).URL(), Options{AutoPipeline: true})},
	)
}
