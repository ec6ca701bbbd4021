package conformance_test

import (
	"context"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/conformance"
	"github.com/stratacache/strata/drivers/memory"
)

// A driver proves itself with one test function: RunSuite declares every spec for
// the adapters Harness.New returns and runs them.
func ExampleRunSuite() {
	testConformance := func(t *testing.T) { // func TestConformance(t *testing.T) in your driver's tests
		conformance.RunSuite(t, "memory", conformance.Harness{
			New: func(ctx context.Context) (adapter.Adapter, error) {
				return memory.Open(context.Background(), &memory.Options{MaxCost: 64 << 20})
			},
			MayEvict: true, // a bounded cache may drop values under pressure
		})
	}
	_ = testConformance
}

// Several configurations of one driver share one RunSpecs: declare each with
// DescribeAdapter at the top level of a test file.
func ExampleDescribeAdapter() {
	_ = conformance.DescribeAdapter("memory with grace", conformance.Harness{
		New: func(ctx context.Context) (adapter.Adapter, error) {
			return memory.Open(context.Background(), &memory.Options{Grace: 300 * time.Millisecond})
		},
		Grace:    300 * time.Millisecond,
		MayEvict: true,
	})
}
