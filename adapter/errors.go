package adapter

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/stratacache/strata/serializer"
)

var (
	// ErrNotFound means the key is missing, expired, or evicted.
	ErrNotFound = errors.New("strata: key not found")
	// ErrClosed means the adapter or cache was closed; open a new one.
	ErrClosed = errors.New("strata: cache is closed")
	// ErrInvalidKey means a key given to a strata.Cache is empty or, with the cache's
	// prefix, longer than MaxKeyLen bytes. A driver may wrap it for a key it cannot
	// store (one the Cache would never pass).
	ErrInvalidKey = errors.New("strata: invalid key (must be 1 to 65536 bytes)")
	// ErrInvalidTTL means a ttl given to a strata.Cache is negative other than
	// NoExpiration, or its Options.DefaultTTL is.
	ErrInvalidTTL = errors.New("strata: invalid ttl (use a positive duration, DefaultTTL or NoExpiration)")
	// ErrUnavailable means the backend could not serve the call at all: the connection
	// was refused, reset or timed out, or the server is loading, has no master or is
	// busy. It is an outage, not an answer about the request, so a layer above may fall
	// back (serve a stale copy, call the loader). Drivers wrap connection-class
	// failures with it and the cause; replies about the request itself (WRONGTYPE,
	// NOPERM, OOM, a rejected value) and the caller's own ctx ending never wrap it.
	ErrUnavailable = errors.New("strata: backend unavailable")
	// ErrCodec means a value could not be encoded, or stored bytes could not be
	// decoded by the cache's codec (another writer or a codec change). It is the same
	// value as serializer.ErrCodec.
	ErrCodec = serializer.ErrCodec
)

// maxKeyInMessage bounds how much of a key an error message quotes.
const maxKeyInMessage = 128

// KeyError ties an error to the key it concerns. errors.Is sees through it to Err, and
// errors.As gives callers the key.
type KeyError struct {
	Key string
	Err error
}

// Error names the key (shortened when long) and the cause.
func (e *KeyError) Error() string {
	return e.Err.Error() + ": key " + QuoteKey(e.Key)
}

// Unwrap returns the cause.
func (e *KeyError) Unwrap() error { return e.Err }

// NotFound returns the error a driver reports for a missing key.
func NotFound(key string) error { return &KeyError{Key: key, Err: ErrNotFound} }

// QuoteKey quotes key for an error message, shortening keys over 128 bytes.
func QuoteKey(key string) string {
	if len(key) <= maxKeyInMessage {
		return strconv.Quote(key)
	}
	return strconv.Quote(key[:maxKeyInMessage]) + fmt.Sprintf("... (%d bytes)", len(key))
}
