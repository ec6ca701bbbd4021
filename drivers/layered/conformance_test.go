package layered

import (
	"context"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/conformance"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// Revival windows of the grace configurations, a few of the suite's 50ms units.
const (
	memoryGrace = 300 * time.Millisecond
	redisGrace  = 400 * time.Millisecond
)

// overMemory is a Harness.New for a memory L1 over a memory L2 with grace.
func overMemory(grace time.Duration) func(context.Context) (adapter.Adapter, error) {
	return func(context.Context) (adapter.Adapter, error) {
		l1, err := memory.Open(context.Background(), nil)
		if err != nil {
			return nil, err
		}
		l2, err := memory.Open(context.Background(), &memory.Options{Grace: grace})
		if err != nil {
			return nil, err
		}
		return New(l1, l2, nil)
	}
}

// overRedisHarness is a Harness.New for a memory L1 over a redis L2 with grace, each
// spec under its own random prefix (and so its own invalidation channel).
func overRedisHarness(rawURL string, grace time.Duration) func(context.Context) (adapter.Adapter, error) {
	return func(ctx context.Context) (adapter.Adapter, error) {
		l2, err := redis.OpenURL(ctx, withParams(rawURL, "prefix="+redistest.RandomPrefix(), "grace="+grace.String()))
		if err != nil {
			return nil, err
		}
		l1, err := memory.Open(context.Background(), nil)
		if err != nil {
			_ = l2.Close()
			return nil, err
		}
		return New(l1, l2, nil)
	}
}

// TestConformance runs the conformance suite on memory over memory and memory over
// Redis, each without and with grace on L2, in one Ginkgo suite.
func TestConformance(t *testing.T) {
	rawURL := serverURL(t)
	conformance.Run(t, "layered conformance",
		conformance.Named{Name: "layered: memory over memory", Harness: conformance.Harness{
			New:      overMemory(0),
			MayEvict: true,
		}},
		conformance.Named{Name: "layered: memory over memory with grace", Harness: conformance.Harness{
			New:      overMemory(memoryGrace),
			Grace:    memoryGrace,
			MayEvict: true,
		}},
		conformance.Named{Name: "layered: memory over redis", Harness: conformance.Harness{
			New: overRedisHarness(rawURL, 0),
		}},
		conformance.Named{Name: "layered: memory over redis with grace", Harness: conformance.Harness{
			New:   overRedisHarness(rawURL, redisGrace),
			Grace: redisGrace,
		}},
	)
}
