// Package adapter defines Strata's driver contract and the typed cache users hold.
//
// An [Adapter] stores bytes under string keys with a time to live. Drivers
// (drivers/memory, drivers/redis, drivers/layered, or a third party's) implement it and
// prove it with the conformance package. Users rarely call an Adapter directly: they wrap
// one in a [Cache], which adds a serializer, a default TTL, a key prefix, single-flight
// GetOrSet and batches.
//
// Optional capabilities ([Batcher], [Pinger], [Clearer], [Invalidator], [TTLReader]) are
// discovered by type assertion, the way database/sql discovers driver features; Cache
// falls back to loops where a driver lacks them.
//
// Every error a driver or Cache returns can be tested with errors.Is against the
// sentinels [ErrNotFound], [ErrClosed], [ErrInvalidKey], [ErrInvalidTTL] and [ErrCodec],
// or against context.Canceled / context.DeadlineExceeded when the caller's context ended.
package adapter
