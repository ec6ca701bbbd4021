package adapter

import (
	"context"
	"time"
)

// DefaultTTL asks a strata.Cache to use its configured default time to live (5 minutes
// unless strata.Options.DefaultTTL says otherwise). The Cache resolves it before calling the
// driver, so an Adapter never receives it.
const DefaultTTL time.Duration = 0

// NoExpiration keeps a value until it is removed or evicted.
const NoExpiration time.Duration = -1

// StandardTTL is the default time to live of a strata.Cache whose Options leave DefaultTTL
// at zero: the 300 seconds of the Python library Strata's behaviour comes from.
const StandardTTL = 5 * time.Minute

// MaxKeyLen is the longest key, in bytes, a strata.Cache passes to an Adapter (64 KiB):
// every Adapter must store keys of 1 to MaxKeyLen bytes.
const MaxKeyLen = 64 << 10

// Adapter is the contract every driver implements: bytes in, bytes out. Implementations
// are safe for concurrent use. The conformance package enforces the semantics below.
//
// strata.Cache validates, prefixes and resolves before it calls a driver, so a driver
// receives valid input only and does storage, nothing more: every key is 1 to
// MaxKeyLen bytes, and every ttl is > 0 or NoExpiration (never DefaultTTL). A driver
// does not check them again. Called directly with anything else (an empty key, a ttl
// of 0 or a negative one other than NoExpiration), a driver must not panic, hang or
// corrupt what it stores, but what it returns is unspecified: it may store, miss or
// fail. A key it cannot physically store is an error of its own, not a panic.
type Adapter interface {
	// Get returns the value stored under key, or an error wrapping ErrNotFound when it
	// is missing or expired. Backend failures are returned as errors, never as misses.
	Get(ctx context.Context, key string) ([]byte, error)

	// Set stores value under key. ttl is either > 0 (expire after ttl, millisecond
	// resolution; a ttl beyond the backend's range saturates to no expiry) or
	// NoExpiration. An empty value is a value, not a miss. Overwriting replaces both
	// value and TTL.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error

	// Remove deletes keys in one round trip. allExisted is true only if every distinct
	// key existed before the call; a missing key is not an error.
	Remove(ctx context.Context, keys ...string) (allExisted bool, err error)

	// UpdateTimeout atomically sets key's expiry to now+ttl (or none, for NoExpiration)
	// and returns its value. A key that expired less than the driver's grace period
	// ago is revived; otherwise the error wraps ErrNotFound.
	UpdateTimeout(ctx context.Context, key string, ttl time.Duration) ([]byte, error)

	// Close releases what the adapter created (never a client it was handed). Every
	// later call returns ErrClosed; closing twice is not an error.
	Close() error
}

// Batcher is implemented by adapters that read and write many keys in one round trip.
type Batcher interface {
	// GetMany returns the values of the keys that exist; misses are omitted.
	GetMany(ctx context.Context, keys []string) (map[string][]byte, error)
	// SetMany stores every item with the same ttl (rules as for Set).
	SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error
}

// Pinger is implemented by adapters that can check their backend is reachable.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Clearer is implemented by adapters that can remove the keys they own by prefix. It
// only ever touches the adapter's own namespace (never FLUSHDB on a shared server).
type Clearer interface {
	// Clear removes every key that starts with prefix: "" means every key the adapter
	// owns. prefix is compared byte for byte, as a plain string, never as a pattern.
	// A key written while Clear runs may survive it. strata.Cache.Clear passes the
	// cache's Options.Prefix, so that a cache clears its own namespace only.
	Clear(ctx context.Context, prefix string) error
}

// TTLReader is implemented by adapters that can return a value together with its
// remaining time to live, so a layer above (such as drivers/layered) can cache it no
// longer than the backend will. ttl is NoExpiration for a value that never expires.
type TTLReader interface {
	GetWithTTL(ctx context.Context, key string) (value []byte, ttl time.Duration, err error)
}

// StaleReader is implemented by adapters that keep a value for a grace period after
// it expires, so that UpdateTimeout can revive it: GetStale reads such a value too.
// strata.Cache's GetOrSet uses it to answer with the expired value when the loader
// fails (stale-if-error).
type StaleReader interface {
	// GetStale returns the value under key as Get does, with stale false; or a value
	// that expired less than the driver's grace period ago, with stale true. Past the
	// grace period (or without one) an expired key is a miss, as for Get.
	GetStale(ctx context.Context, key string) (value []byte, stale bool, err error)
}

// Invalidator is implemented by a shared backend that can tell other processes a key
// changed, so their in-process copies can be dropped.
type Invalidator interface {
	// Publish announces that keys changed.
	Publish(ctx context.Context, keys ...string) error
	// Subscribe calls onInvalidate with keys other processes changed, and onReset
	// whenever invalidations may have been missed (a lost connection): subscribers
	// must then drop everything they hold. stop ends the subscription and waits for
	// its goroutines.
	Subscribe(ctx context.Context, onInvalidate func(keys []string), onReset func()) (stop func(), err error)
}
