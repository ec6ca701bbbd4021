// Package conformance is the Ginkgo v2 suite every Strata driver must pass: ours
// (drivers/memory, drivers/redis, drivers/layered) and third parties'. A driver
// describes how to get a fresh adapter in a [Harness] and runs the suite with
// [DescribeAdapter] (inside a Ginkgo suite) or [RunSuite] (from a plain go test).
//
// # Guarantees
//
// What it checks. The suite tests what users see. Most specs go through
// [strata.New], with a Cache[string] using serializer.Raw and a Cache of a small
// struct using the default codec; specs about the driver's own contract (NotFound
// errors that name the key, copies of values, Remove's answer, TTLs near the top of
// time.Duration, the optional capabilities) call the [adapter.Adapter] directly.
// The areas covered are Get and GetOrDefault, Set and overwrite, TTL expiry
// (millisecond resolution, NoExpiration, DefaultTTL), Remove, UpdateTimeout
// (including revival within the driver's grace period, Harness.Grace),
// single-flight GetOrSet, batches, awkward keys (and one of exactly
// adapter.MaxKeyLen bytes) and prefixes, codec errors, closed adapters, cancelled
// contexts, the optional capabilities (Batcher, Pinger, Clearer, TTLReader; specs
// for a capability the adapter lacks are skipped) and concurrency (run it with
// -race).
//
// What it does not check. Input validation is not a driver's job: strata.Cache
// checks keys and TTLs (and whether it was closed) before it calls a driver, and
// its own tests check that over every in-tree driver. So the suite gives drivers
// valid keys and TTLs only, with one exception: a TTL the Cache never passes (0,
// or negative other than NoExpiration) must neither panic nor hang the driver,
// whatever it returns.
//
// Isolation. Every spec gets a fresh adapter from Harness.New, closes it when done,
// and uses keys under a random prefix, so `ginkgo -p` is safe even against a shared
// server.
//
// Timing. Specs that depend on time use Eventually and Consistently with generous
// bounds, scaled by Harness.Unit ([DefaultUnit] unless set); each spec is bounded by
// Harness.SpecTimeout ([DefaultSpecTimeout]). A spec whose timing turned out
// inconclusive (the machine stalled past a TTL before the spec could look) runs
// again, up to three times, and then fails with advice to raise Harness.Unit.
// Nothing is skipped for being slow; the one timing spec skipped is the check of
// millisecond resolution when Harness.Unit is too large to tell milliseconds from
// seconds.
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
//
// # Checking a deployed server
//
// [Check] runs the same suite against any URL a registered driver opens (a managed
// Redis, Valkey, a Redis-compatible server), only under a random key prefix it
// removes afterwards, then probes Get, Set and GetMany latency. The strata-check
// command wraps it for the drivers in this module:
//
//	go run github.com/stratacache/strata/conformance/cmd/strata-check redis://host:6379/0
//
// A third-party driver builds its own checker: a main package that imports the
// driver (for its registry entry) and calls Check. docs/check.md has the details.
package conformance
