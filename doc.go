// Package strata is a typed cache over interchangeable backends: an in-process
// memory cache, Redis (standalone, Sentinel, Cluster), or a layered cache of both,
// chosen by a URL from configuration and proven to behave the same by one
// conformance suite.
//
// Open a cache from a URL (after importing the drivers), or wrap an adapter you
// built with New:
//
//	import (
//		"github.com/stratacache/strata"
//		_ "github.com/stratacache/strata/drivers/all" // memory://, redis://, layered://
//	)
//
//	users, err := strata.Open[User](ctx, "memory://", &strata.Options[User]{Prefix: "users:"})
//	defer users.Close()
//	err = users.Set(ctx, "42", u, strata.DefaultTTL)
//	u, err := users.Get(ctx, "42") // errors.Is(err, strata.ErrNotFound) on a miss
//
// A Cache encodes values with a codec (package serializer; msgpack by default),
// prefixes keys, resolves the default TTL (5 minutes unless Options says otherwise),
// loads missing values once however many callers ask (GetOrSet), and reads and writes
// batches in one round trip where the backend can.
//
// # URLs
//
//	memory://?max_cost=64MiB
//	redis://user:pass@host:6379/0?prefix=app:
//	redis+cluster://h1:7000,h2:7001
//	redis+sentinel://h:26379/mymaster/0
//	layered://?l1=memory%3A%2F%2F&l2=redis%3A%2F%2Fhost%3A6379%2F0
//
// strata.FromEnv reads STRATA_URL (default memory://), STRATA_PREFIX,
// STRATA_DEFAULT_TTL and STRATA_SERIALIZER; OpenConfig opens what it describes.
//
// # Namespaces
//
// Options.Prefix is the cache's namespace: it scopes the cache's keys, its Clear and,
// over drivers/redis and drivers/layered, the channel that tells other processes
// which keys changed. Two applications with different prefixes on one Redis never
// clear or invalidate each other's keys. A driver may have a namespace of its own
// (the Redis URL's prefix=), which comes first. For
// Open(ctx, "redis://cache:6379/0?prefix=app:", &Options[V]{Prefix: "shop:"}):
//
//	key stored      app:shop:<key>               URL prefix + Options.Prefix + key
//	Cache.Clear     removes app:shop:*           URL prefix + Options.Prefix
//	invalidation    strata:invalidate:app:shop:  strata:invalidate: + URL prefix + Options.Prefix
//
// Open hands Options.Prefix to the driver for the channel (registry.NamespaceFrom);
// an adapter opened separately and shared through New uses the channel of its own
// URL (ProvideAdapter and OpenConfig pass Config.Prefix as Open does).
//
// # Errors
//
// Every error can be tested with errors.Is: [ErrNotFound] (and [ErrCachedAbsence]
// for a key cached as absent), [ErrClosed], [ErrInvalidKey], [ErrInvalidTTL],
// [ErrCodec], [ErrUnavailable], [ErrLoaderPanicked], [ErrStale] (GetOrSet returned
// the last known value because its loader failed), and the context's own error when
// ctx ends. Errors about a key name the key the caller passed ([KeyError]); batches
// name the keys they could not serve ([BatchError]). Passwords never appear in
// errors.
//
// # Failures
//
// GetOrSet prefers its loader to a failing cache ([FailurePolicy]): a read that
// fails (an outage, a driver closed underneath) or finds bytes the codec cannot
// decode (a field that changed type in a deploy) loads instead, once however many
// callers wait, and a store that fails is skipped; [Options].OnError hears about
// each. Get and the other calls return every error. With [Options].NegativeTTL a
// loader's ErrNotFound is cached as well. When the loader fails and the driver
// keeps expired values for a grace period (adapter.StaleReader), GetOrSet returns
// the last known value with an error wrapping ErrStale.
//
// # Guarantees
//
// Every value a call returns is the caller's own copy. A Cache is safe for
// concurrent use; Close is prompt however many callers are arriving, and cancels
// the loads in flight.
package strata
