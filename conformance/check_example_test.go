package conformance_test

import (
	"context"
	"fmt"
	"log"

	"github.com/stratacache/strata/conformance"
	_ "github.com/stratacache/strata/drivers/memory" // registers memory://
)

// Check proves the backend a URL names, through the registry: the driver's
// package registers its scheme when imported. A third-party driver's checker is
// this, with os.Args[1] for the URL and Progress: os.Stdout to watch each spec.
func ExampleCheck() {
	res, err := conformance.Check(context.Background(), "memory://", conformance.CheckOptions{
		MayEvict: true,     // a store bounded by bytes may drop values under pressure
		ProbeOps: 100,      // a short latency probe
		Focus:    "Remove", // only the specs of Remove; leave Focus empty to run them all
	})
	if err != nil {
		log.Fatal(err) // the URL did not open, or the driver cannot be cleaned up
	}
	fmt.Println("passed:", res.Passed)
	fmt.Println("failed specs:", len(res.Failed))
	fmt.Println("left behind:", len(res.Cleanup.Remaining))
	for _, l := range res.Latency {
		fmt.Println(l.Op, "calls timed:", l.Ops)
	}
	// Output:
	// passed: true
	// failed specs: 0
	// left behind: 0
	// Set calls timed: 100
	// Get calls timed: 100
	// GetMany calls timed: 100
}
