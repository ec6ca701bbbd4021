package conformance_test

import (
	"context"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/conformance"
	"github.com/stratacache/strata/drivers/memory"
)

// memoryGrace is the revival window of the second memory configuration.
const memoryGrace = 300 * time.Millisecond

// newMemory returns a Harness.New for drivers/memory with the given grace period.
func newMemory(grace time.Duration) func(context.Context) (adapter.Adapter, error) {
	return func(context.Context) (adapter.Adapter, error) {
		return memory.Open(context.Background(), &memory.Options{Grace: grace})
	}
}

// TestMemoryConformance runs the whole suite on drivers/memory, without and with a
// grace period, in one Ginkgo suite.
func TestMemoryConformance(t *testing.T) {
	if inChild() {
		t.Skip("this process runs a broken-adapter suite for TestBrokenAdaptersFail")
	}
	conformance.Run(t, "conformance: drivers/memory",
		conformance.Named{Name: "drivers/memory (no grace)", Harness: conformance.Harness{
			New:      newMemory(0),
			MayEvict: true,
		}},
		conformance.Named{Name: "drivers/memory (grace 300ms)", Harness: conformance.Harness{
			New:      newMemory(memoryGrace),
			Grace:    memoryGrace,
			MayEvict: true,
		}},
	)
}
