// Package adapter is Strata's driver contract: what a backend implements so that
// strata.Cache can use it. Applications use package strata; this package is for
// driver authors.
//
// An [Adapter] stores bytes under string keys with a time to live. Drivers
// (drivers/memory, drivers/redis, drivers/layered, or a third party's) implement it and
// prove it with the conformance package. Optional capabilities ([Batcher], [Pinger],
// [Clearer], [Invalidator], [TTLReader]) are discovered by type assertion, the way
// database/sql discovers driver features; strata.Cache falls back to loops where a
// driver lacks them.
//
// A driver receives valid input only: strata.Cache checks keys and TTLs, adds its
// prefix and resolves DefaultTTL before every call, and checks that it is open. So a
// driver does storage and nothing else: it stores every key of 1 to [MaxKeyLen]
// bytes and every ttl > 0 or [NoExpiration], and does not check them again. What a
// driver called directly with other input returns is unspecified (see [Adapter]),
// but it never panics or hangs. The one check left to drivers is the caller's
// context ([CheckContext]), since honouring it is part of the contract.
//
// # Driver entry points
//
// The in-tree drivers offer the same entry points, under the same names, and a third
// party's driver should too:
//
//	Scheme       the URL scheme it registers with registry.Register from init
//	ParseURL     rawURL -> its configuration (*Options or *Config), opening nothing
//	Open         (ctx, configuration) -> *Adapter
//	OpenURL      (ctx, rawURL) -> *Adapter: registry.OpenURL(ctx, rawURL, openURL)
//	New          wraps what the caller already has: a client, which the adapter
//	             never closes (redis), or adapters it takes over (layered)
//	URL, ProvideURL, ProviderSet
//	             google/wire: a URL type, its provider (registry.WithCleanup) and set
//
// # Errors
//
// A driver reports a miss with an error wrapping [ErrNotFound] ([NotFound] names the
// key), a closed adapter with [ErrClosed], an outage (refused, reset, timed out,
// server not serving) with [ErrUnavailable] and the cause, and the caller's ended
// context with an error that errors.Is it. A batch returns what it could read and a
// [BatchError] naming the keys it could not serve.
package adapter
