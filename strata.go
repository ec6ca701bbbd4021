package strata

import "github.com/stratacache/strata/adapter"

// DefaultTTL asks a Cache to use its configured default time to live (Options.DefaultTTL,
// or StandardTTL). The Cache resolves it; drivers never see it.
const DefaultTTL = adapter.DefaultTTL

// NoExpiration keeps a value until it is removed or evicted.
const NoExpiration = adapter.NoExpiration

// StandardTTL is the default time to live of a Cache whose Options leave DefaultTTL
// at zero: the 300 seconds of the Python library Strata's behaviour comes from.
const StandardTTL = adapter.StandardTTL

// MaxKeyLen is the longest key, in bytes, a Cache accepts, its prefix included (64 KiB).
const MaxKeyLen = adapter.MaxKeyLen

// The errors every call can return, tested with errors.Is. They are the driver
// contract's own (package adapter), so an error from a driver matches them too.
var (
	// ErrNotFound means the key is missing, expired, or evicted.
	ErrNotFound = adapter.ErrNotFound
	// ErrClosed means the cache was closed; open a new one.
	ErrClosed = adapter.ErrClosed
	// ErrInvalidKey means a key is empty or, with the prefix, longer than MaxKeyLen.
	ErrInvalidKey = adapter.ErrInvalidKey
	// ErrInvalidTTL means a ttl is negative other than NoExpiration.
	ErrInvalidTTL = adapter.ErrInvalidTTL
	// ErrCodec means a value could not be encoded (a cyclic value, for one), or
	// stored bytes could not be decoded by the cache's codec.
	ErrCodec = adapter.ErrCodec
	// ErrUnavailable means the backend could not be reached or is not serving: an
	// outage, never a reply about the request.
	ErrUnavailable = adapter.ErrUnavailable
)

// KeyError ties an error to the key it concerns (errors.As gives the key).
type KeyError = adapter.KeyError

// BatchError names the keys a batch call could not serve, beside the results it
// returns for the others.
type BatchError = adapter.BatchError
