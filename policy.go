package strata

import (
	"context"
	"errors"

	"github.com/stratacache/strata/adapter"
)

// FailurePolicy says what GetOrSet does when the cache itself fails: when reading the
// key fails for any reason other than a miss, or when storing the loaded value fails.
// Get, Set and the other calls always return such errors; only GetOrSet, which has a
// loader holding the truth, can do without the cache.
type FailurePolicy uint8

const (
	// LoadOnCacheError (the default) makes GetOrSet call the loader when the key
	// cannot be read, and return the loaded value with a nil error when it cannot be
	// stored: a cache outage costs loads, never answers. Single flight still holds:
	// however many callers miss the cache together, the loader runs once.
	//
	// Reading "fails" when the driver returns any error other than a miss: an
	// outage (ErrUnavailable: refused, reset, timed out, or a breaker open), a driver
	// closed underneath an open Cache (ErrClosed from the driver), or a reply about
	// the request (WRONGTYPE, NOPERM). These still end GetOrSet with an error: the
	// Cache's own ErrClosed (Close was called, or New was given no adapter), the
	// caller's ctx ending, ErrInvalidKey, ErrInvalidTTL, a nil loader, the loader's
	// own error or panic, and a loaded value the codec cannot encode.
	//
	// After an outage (a read error wrapping ErrUnavailable or ErrClosed) GetOrSet
	// does not try to store what it loaded, since the store cannot succeed and would
	// cost the waiting callers another failure; after any other read error it
	// stores, overwriting what it could not read. A store that fails is not retried.
	// Options.OnError hears about each failure GetOrSet works around.
	LoadOnCacheError FailurePolicy = iota
	// ReturnCacheError makes GetOrSet return the cache's error instead: a read
	// failure ends it without calling the loader, and a store failure is returned
	// together with the loaded value. Undecodable bytes are still reloaded (see
	// Cache.GetOrSet): they are old data, not a failing cache.
	ReturnCacheError
)

// The operations Options.OnError names: what GetOrSet was doing when the cache
// failed and GetOrSet carried on without it.
const (
	// OpRead: the key could not be read; GetOrSet called the loader instead.
	OpRead = "read"
	// OpDecode: the stored bytes could not be decoded by the cache's codec (an
	// error wrapping ErrCodec, e.g. after a field changed type); GetOrSet treated
	// them as a miss, loaded and overwrote them.
	OpDecode = "decode"
	// OpStore: the loaded value (or, with Options.NegativeTTL, the absence) could
	// not be stored; GetOrSet returned what the loader returned without storing it.
	OpStore = "store"
)

// look is what GetOrSet's read of a key found, when it found no value to return.
type look uint8

const (
	lookMiss        look = iota // nothing stored
	lookUndecodable             // bytes the codec cannot decode: reload and overwrite
	lookFailed                  // the driver failed to answer about this key: load, then store
	lookDown                    // the backend is down (or the driver closed): load, do not store
)

// triage sorts the error of a read by GetOrSet (err != nil) into what GetOrSet does
// next: a look to act on, or an error to return as it is. ctx is the context the
// read ran under.
func (c *Cache[V]) triage(ctx context.Context, err error) (look, error) {
	switch {
	case errors.Is(err, ErrCachedAbsence):
		return 0, err // an answer, not a failure
	case errors.Is(err, ErrNotFound):
		return lookMiss, nil
	case ctx.Err() != nil:
		return 0, adapter.CheckContext(ctx)
	case c.closed.Load():
		return 0, ErrClosed
	case errors.Is(err, errNoAdapter):
		return 0, err // a Cache without a backend is a mistake to report, not an outage
	case errors.Is(err, ErrCodec):
		return lookUndecodable, nil
	case c.policy == ReturnCacheError:
		return 0, err
	case errors.Is(err, ErrUnavailable) || errors.Is(err, ErrClosed):
		return lookDown, nil
	default:
		return lookFailed, nil
	}
}

// opOf is the OnError operation that reports a read which found l.
func opOf(l look) string {
	if l == lookUndecodable {
		return OpDecode
	}
	return OpRead
}

// report passes a failure GetOrSet carried on from to Options.OnError, if set.
func (c *Cache[V]) report(op, key string, err error) {
	if c.onError != nil {
		c.onError(op, key, err)
	}
}
