// Package memory is Strata's in-process cache driver: an adapter.Adapter on
// ristretto v2 (github.com/dgraph-io/ristretto), bounded by cost in bytes.
//
// Use it in development and tests (it needs no server), as the L1 of drivers/layered,
// or on its own for data a process can afford to lose. Values live in the process's
// heap and are not shared with other processes. Open one from [Options] with [Open], from a URL
// with [OpenURL] (or registry.Open; [ParseURL] reads one without opening), or through
// Wire with [ProviderSet]:
//
//	a, err := memory.Open(ctx, &memory.Options{MaxCost: 256 << 20, Grace: 30 * time.Second})
//	users := strata.New[User](a, nil)
//
// The adapter implements adapter.Batcher, adapter.Pinger, adapter.Clearer,
// adapter.TTLReader, fastpath.Viewer and fastpath.Memoizer. [Adapter.Stats] reports
// the cost charged and how many writes were not kept.
//
// # URLs
//
// Importing the package registers the "memory" scheme with the registry:
//
//	memory://?max_cost=64MiB&grace=30s&num_counters=1000000&buffer_items=64
//
// Every parameter is optional:
//
//	max_cost      Options.MaxCost: a size such as 64MiB, 512KiB, 1GB or 1000000 (bytes).
//	              Default 64MiB, at least 1KiB.
//	grace         Options.Grace: a duration such as 30s. Default 0 (no revival).
//	num_counters  Options.NumCounters: TinyLFU counters. Default max_cost/100.
//	buffer_items  Options.BufferItems: ristretto's access-buffer size. Default 64.
//
// A memory URL has no user, host or path, and unknown parameters are errors.
//
// # Errors
//
//   - A missing, expired or evicted key is an error wrapping adapter.ErrNotFound
//     that names the key.
//   - [ErrTooLarge]: Set or SetMany of an entry that alone exceeds MaxCost (key,
//     value and [EntryOverhead]); it is refused, never silently dropped, and the
//     error names the key.
//   - Keys are stored as given, 1 to adapter.MaxKeyLen bytes (strata.Cache checks
//     them). Called directly with another key, Set and SetMany fail with an error
//     wrapping adapter.ErrInvalidKey (an entry cannot hold it) and reads miss.
//   - After Close, every call returns an error wrapping adapter.ErrClosed.
//   - Open and the URL parser reject out-of-range Options (such as a MaxCost below
//     [MinMaxCost]) with an error saying which.
//
// # Guarantees
//
// Bounded by cost. Each entry is charged its key's and value's length (rounded up to
// the Go allocator's size class) plus [EntryOverhead], an estimate of what ristretto
// and the adapter spend per entry. The total stays within Options.MaxCost. The access
// counters (about 3 bytes per NumCounters) are not part of MaxCost.
//
// Eviction and admission. Three quarters of MaxCost are ristretto's: its sampled-LFU
// policy evicts the least frequently used entries, and its TinyLFU admission only
// takes a new entry used at least as often as what it would evict. The last quarter
// is a FIFO admission window: a new key that ristretto has no room for goes there
// instead of being declined, so the latest writes of a full cache stay readable. When
// the window is full, its oldest entry is offered to ristretto, which keeps it if the
// reads it got in the window make it as valuable as what it would evict; otherwise it
// is dropped. So frequently read entries are not displaced by keys written once and
// never read. ristretto counts reads in lossy batches, so that choice is approximate.
//
// Read-your-writes. When Set, SetMany or UpdateTimeout returns, every goroutine's
// Get returns the new value, until the key is written, removed, expires or is
// evicted. The one exception is an entry larger than the admission window (a quarter
// of MaxCost), which ristretto's admission policy may decline in favour of more
// frequently used ones; the key then reads as a miss (counted in Stats.Rejected). A
// write never leaves an older value readable.
//
// Atomic per key. Set, SetMany, Remove and UpdateTimeout hold a lock for the key
// (one of 256, chosen by a hash of the key), so UpdateTimeout's read-modify-write
// cannot lose a concurrent Set. Get, GetMany and GetWithTTL take no lock.
//
// Copies. Set copies the value in and every read returns a fresh copy, so no caller
// can modify what is cached or what another caller received. The one exception is
// View (fastpath.Viewer), which lends the stored bytes to a callback for its duration
// only: strata.Cache.Get uses it to decode without the copy, for codecs whose
// decoded values share no memory with their input (never for serializer.Raw), and
// strata.Cache.View lends the stored bytes to its caller's callback.
//
// Decoded values. A typed strata.Cache reading through GetMemo (fastpath.Memoizer)
// decodes a stored value on its first hit and the adapter keeps the decoded value
// beside the bytes; later hits copy it instead of decoding again (the Cache hands
// each caller its own deep copy). A kept value is charged against MaxCost (the
// length of its bytes plus 64, an estimate), is only added when the cache has room
// for it without evicting anything, and goes with its bytes at the next write.
//
// Expiry. TTLs have millisecond resolution (a ttl is rounded up to whole
// milliseconds, so 1ns means 1ms) and run on the monotonic clock, so wall clock
// changes do not affect them; a test can give Options.Clock a fake clock instead
// (docs/testing.md). An expired value is never returned. Expired entries
// are removed from memory by the adapter's sweeper, which runs once a second, within
// about two seconds of expiry (of the end of the grace window, with Grace); until
// then they still count toward MaxCost.
//
// Grace. With Options.Grace (URL grace=) an entry is kept for Grace past its
// expiry, unreadable, so that UpdateTimeout can revive it: UpdateTimeout on a key
// that expired less than Grace ago gives it a new expiry and returns its value. With
// Grace 0, the default, nothing is kept past expiry.
//
// Close. Close returns at once however many goroutines are calling, and later calls
// return adapter.ErrClosed. Once the calls in flight have returned, ristretto's
// goroutines are stopped and its memory is freed, in the background. An Adapter that
// becomes unreachable without Close is closed by the garbage collector.
package memory
