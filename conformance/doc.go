// Package conformance is the Ginkgo v2 suite every Strata driver must pass: ours
// (drivers/memory, drivers/redis, drivers/layered) and third parties'.
//
// The suite tests what users see. Most specs go through [strata.New], with a
// Cache[string] using serializer.Raw and a Cache of a small struct using the default
// codec; specs about the driver's own contract (ErrInvalidTTL for DefaultTTL, key
// validation, NotFound errors that name the key, copies of values, the optional
// capabilities) call the [adapter.Adapter] directly. The areas covered are Get and
// GetOrDefault, Set and overwrite, TTL expiry (millisecond resolution, NoExpiration,
// DefaultTTL), Remove, UpdateTimeout (including revival within the driver's grace
// period), single-flight GetOrSet, batches, awkward keys and prefixes, codec errors,
// closed adapters, cancelled contexts, the optional capabilities (Batcher, Pinger,
// Clearer, TTLReader) and concurrency (run it with -race).
//
// Every spec gets a fresh adapter from [Harness.New], closes it when done, and uses
// keys under a random prefix, so `ginkgo -p` is safe even against a shared server.
// Specs that depend on time use Eventually and Consistently with generous bounds,
// scaled by [Harness.Unit]; a spec whose timing turned out inconclusive (the machine
// stalled past a TTL before the spec could look) runs again, up to three times, and
// then fails with advice to raise Harness.Unit. Nothing is skipped for being slow.
//
// # Using it from a Ginkgo suite
//
// A driver that already has a Ginkgo suite adds one line to any of its test files:
//
//	var _ = conformance.DescribeAdapter("mydriver", conformance.Harness{
//		New: func(ctx context.Context) (adapter.Adapter, error) {
//			return mydriver.New(ctx, mydriver.Options{Grace: time.Second})
//		},
//		Grace: time.Second,
//	})
//
// # Using it from a plain go test
//
// A driver without a Ginkgo suite needs one test function (and must not call
// RunSpecs anywhere else in the same test binary):
//
//	func TestConformance(t *testing.T) {
//		conformance.RunSuite(t, "mydriver", conformance.Harness{
//			New: func(ctx context.Context) (adapter.Adapter, error) {
//				return mydriver.New(ctx, mydriver.Options{})
//			},
//		})
//	}
//
// Run it with `go test -race ./...`, or with `ginkgo -p -race` to spread the specs
// over several processes.
package conformance
