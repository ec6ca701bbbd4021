package memory

import (
	"errors"
	"fmt"
	"time"

	"github.com/stratacache/strata/adapter"
)

const (
	// DefaultMaxCost is the bound of an adapter whose Options leave MaxCost at zero:
	// 64 MiB.
	DefaultMaxCost int64 = 64 << 20
	// MinMaxCost is the smallest MaxCost New accepts (1 KiB). A smaller bound is almost
	// certainly a unit mistake, such as max_cost=64 meant as 64 MiB.
	MinMaxCost int64 = 1 << 10
	// DefaultBufferItems is ristretto's recommended BufferItems.
	DefaultBufferItems int64 = 64
	// EntryOverhead is the fixed cost, in bytes, charged to every entry on top of its
	// key and value: the memory ristretto and this adapter spend per entry (the
	// store's map slot with the entry header, and the eviction policy's and expiry
	// index's map entries). It is a typical value: the real overhead varies with
	// the platform, whether the entry has a TTL and how full Go's maps are between
	// growths (measurements in docs/memory.md; TestEntryOverhead prints them).
	EntryOverhead int64 = 200

	minNumCounters = 1 << 10
	maxNumCounters = 1 << 31 // ~6 GiB of counters: anything above is a mistake
	// defaultMaxNumCounters caps the derived default (~100 MiB of counters).
	defaultMaxNumCounters = 1 << 25
	maxBufferItems        = 1 << 16

	numStripes = 256 // write locks, chosen by a hash of the key
)

// ErrTooLarge is returned (wrapped, with the key) by Set and SetMany for an entry whose
// cost (key, value and EntryOverhead) exceeds MaxCost: it could never be stored.
var ErrTooLarge = errors.New("strata/memory: value too large for the cache")

// errClosed is what every call returns after Close.
var errClosed = fmt.Errorf("%w (strata/memory)", adapter.ErrClosed)

// Options configures an Adapter. The zero value (or a nil *Options) gives the
// defaults.
type Options struct {
	// MaxCost bounds the cache, in bytes. Each entry costs its key's and value's
	// length (rounded up to the Go allocator's size class) plus EntryOverhead; when
	// a new entry would exceed MaxCost, less used entries are evicted (a quarter of
	// MaxCost is a window for the latest writes: see the package documentation). 0
	// means DefaultMaxCost (64 MiB); at least MinMaxCost (1 KiB). The
	// access-frequency counters (see NumCounters) come on top.
	MaxCost int64

	// Grace is how long a value is kept after it expires, so that UpdateTimeout can
	// revive it. Get never returns an expired value, whatever Grace is. 0 (the
	// default) keeps nothing past expiry: no revival, no extra memory. Expired
	// entries in their grace window count toward MaxCost.
	Grace time.Duration

	// NumCounters is the number of access-frequency counters ristretto's TinyLFU
	// admission policy keeps. ristretto recommends about 10 times the number of
	// entries the cache holds when full. Each counter takes about 3 bytes, which are
	// not counted in MaxCost. 0 means MaxCost/100 (right for entries of about 1 KiB),
	// at least 1024 and at most 2^25; raise it for caches of many small entries.
	NumCounters int64

	// BufferItems is the size of ristretto's per-P buffers of Get accesses, which
	// feed the admission policy in batches. 0 means DefaultBufferItems (64), which
	// ristretto recommends; at most 65536.
	BufferItems int64

	// Clock is the clock expiry runs on: TTLs, the grace window, and the sweeper's
	// decisions read it. nil (the default) means the monotonic clock. A test sets a
	// fake clock here, and gives the same one to the other layers it uses (as L1 of
	// drivers/layered, to the redis L2 and to layered.Options.Clock), so that values
	// expire exactly when it advances the clock and never on their own. The clock
	// must not go back before the moment Open read it. A URL cannot set it.
	Clock adapter.Clock
}

// config returns opts with defaults filled in, or an error naming the bad field.
func (opts *Options) config() (Options, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	switch {
	case o.MaxCost < 0:
		return o, fmt.Errorf("strata/memory: MaxCost %d is negative: want a size in bytes, or 0 for 64 MiB", o.MaxCost)
	case o.MaxCost == 0:
		o.MaxCost = DefaultMaxCost
	case o.MaxCost < MinMaxCost:
		return o, fmt.Errorf("strata/memory: MaxCost %d is less than 1 KiB: it is in bytes (e.g. 64MiB is 67108864)", o.MaxCost)
	}
	if o.Grace < 0 {
		return o, fmt.Errorf("strata/memory: Grace %v is negative: want 0 (no revival) or a positive duration", o.Grace)
	}
	switch {
	case o.NumCounters < 0:
		return o, fmt.Errorf("strata/memory: NumCounters %d is negative: want 0 (derived from MaxCost) or a positive count", o.NumCounters)
	case o.NumCounters > maxNumCounters:
		return o, fmt.Errorf("strata/memory: NumCounters %d is more than %d (about 3 bytes each)", o.NumCounters, int64(maxNumCounters))
	case o.NumCounters == 0:
		o.NumCounters = min(max(o.MaxCost/100, minNumCounters), defaultMaxNumCounters)
	}
	switch {
	case o.BufferItems < 0:
		return o, fmt.Errorf("strata/memory: BufferItems %d is negative: want 0 (64) or a positive count", o.BufferItems)
	case o.BufferItems > maxBufferItems:
		return o, fmt.Errorf("strata/memory: BufferItems %d is more than %d", o.BufferItems, maxBufferItems)
	case o.BufferItems == 0:
		o.BufferItems = DefaultBufferItems
	}
	return o, nil
}
