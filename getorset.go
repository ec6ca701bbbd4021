package strata

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/stratacache/strata/adapter"
)

// ErrLoaderPanicked is returned by GetOrSet to every waiter when the loader panicked.
// The panic is recovered so the key can be loaded again by the next call.
var ErrLoaderPanicked = errors.New("strata: GetOrSet loader panicked")

// errNilLoader is GetOrSet's answer to a nil loader.
var errNilLoader = errors.New("strata: GetOrSet needs a loader function, got nil")

// PanicError is the error GetOrSet returns when its loader panicked (or called
// runtime.Goexit, in which case Value is nil). Its message is one line; the stack
// is in Stack, for callers that log it: errors.As(err, &pe). It wraps
// ErrLoaderPanicked, and the panic value when that is an error.
type PanicError struct {
	Key   string // the caller's key
	Value any    // what the loader panicked with
	Stack []byte // the loader goroutine's stack at the panic
}

// Error names the key and the panic value, on one line.
func (e *PanicError) Error() string {
	if e.Value == nil {
		return fmt.Sprintf("%v on key %s: it called runtime.Goexit", ErrLoaderPanicked, adapter.QuoteKey(e.Key))
	}
	v := strings.ReplaceAll(fmt.Sprint(e.Value), "\n", `\n`)
	return fmt.Sprintf("%v on key %s: %s", ErrLoaderPanicked, adapter.QuoteKey(e.Key), v)
}

// Unwrap returns ErrLoaderPanicked and, when the loader panicked with an error,
// that error.
func (e *PanicError) Unwrap() []error {
	if err, ok := e.Value.(error); ok {
		return []error{ErrLoaderPanicked, err}
	}
	return []error{ErrLoaderPanicked}
}

// call is one GetOrSet load in progress, shared by every caller waiting for its key.
type call[V any] struct {
	done chan struct{} // closed when val, enc and err are final
	val  V
	enc  []byte // val encoded by the cache's codec, when it could be: copies decode it
	err  error
}

// result returns the call's value for one waiter: a copy of its own, so that no
// waiter (nor the loader, which may keep what it returned) sees another's changes,
// as with Get. It copies with c.clone when V can be deep-copied, and otherwise
// decodes the bytes the value was stored as, which is what Get would return.
func (c *Cache[V]) result(cl *call[V]) (V, error) {
	switch {
	case c.clone != nil:
		return c.clone(cl.val), cl.err
	case c.cloneOK || cl.enc == nil:
		return cl.val, cl.err // assignment copies V, or nothing else can
	}
	v, err := c.codec.Unmarshal(cl.enc)
	if err != nil {
		return cl.val, cl.err // the codec cannot read its own output back: share rather than fail
	}
	return v, cl.err
}

// GetOrSet returns the value under key, or calls load, stores its result for ttl and
// returns it. However many callers in this process wait for the same key, load runs
// once (the flight is per Cache: two Caches over one adapter load separately). A
// waiter whose ctx ends returns its ctx error at once; the shared load goes on
// (bounded by Options.LoadTimeout) for the others. Each waiter gets a copy of its own
// of the loaded value, as from Get. A loader error is returned to every waiter and not
// cached (but see negative caching below); a loader panic becomes ErrLoaderPanicked.
//
// The loader holds the truth, so under the default Options.FailurePolicy,
// LoadOnCacheError, a failing cache does not fail GetOrSet: a key that cannot be read
// is loaded (single flight still holds), and a loaded value that cannot be stored is
// returned with a nil error, the store not retried. Options.OnError hears about each
// failure. Under ReturnCacheError a read's error is returned without loading, and a
// store's error together with the loaded value. FailurePolicy says which errors are
// which.
//
// Stored bytes the codec cannot decode (an error wrapping ErrCodec: a field that
// changed type in a deploy, a writer with another codec) are a miss here, under
// either policy: GetOrSet loads, overwrites them and reports OpDecode to
// Options.OnError. Get still returns ErrCodec for them.
//
// Negative caching (Options.NegativeTTL > 0): when load returns an error wrapping
// ErrNotFound, every waiter gets that error and the key is recorded as absent for
// NegativeTTL. Until the record expires Get and GetOrSet answer an error wrapping
// ErrCachedAbsence (and so ErrNotFound) without calling the loader, in every process
// sharing the backend, and GetMany omits the key; Set, SetMany and Remove remove the
// record. The record is a key of its own beside the value's, prefix + AbsenceMark +
// key, so no stored value (an empty one included) is ever read as an absence, and a
// value stored under the key wins over a record. Its cost, only with NegativeTTL on:
// over an adapter with an in-process fast path (drivers/memory, drivers/layered) a
// miss of the value reads the record, one more lookup; over any other
// adapter.Batcher (drivers/redis) every Get reads both keys in one GetMany, one round
// trip; Set, SetMany and Remove make one more call, to remove records. Caches sharing a
// namespace should agree on NegativeTTL: one without it neither sees nor removes
// records. Keys whose record would be longer than MaxKeyLen are never recorded.
//
// Stale-if-error: when load fails (other than with ErrNotFound) and the driver still
// holds the value that expired less than its grace period ago (drivers/memory and
// drivers/redis with Options.Grace, URL grace=; drivers/layered over such an L2),
// every waiter gets that value with an error wrapping ErrStale and the loader's
// error, and Options.OnError hears OpStale. Without a grace period there is nothing
// to serve, and the loader's error is returned as it is.
//
// Close cancels the context of the loads in flight (its cause is ErrClosed) and
// their waiters return ErrClosed at once; a loader that ignores its ctx runs on until
// it returns, and its value is then dropped.
//
// Without Options.LoadTimeout a loader that never returns holds its key's flight
// forever, so callers without a deadline would wait forever too: give loaders a bound.
func (c *Cache[V]) GetOrSet(ctx context.Context, key string, ttl time.Duration, load func(context.Context) (V, error)) (V, error) {
	if c.obs != nil {
		return c.getOrSetObserved(ctx, key, ttl, load)
	}
	full, err := c.getOrSetKey(ctx, key, ttl, load)
	if err != nil {
		var zero V
		return zero, err
	}
	landed := c.landed.Load()
	v, readErr := c.get(ctx, key, full)
	if readErr == nil {
		return v, nil
	}
	return c.await(ctx, key, full, ttl, load, readErr, landed)
}

// getOrSetKey is GetOrSet's checks, before any driver call: it returns key with
// the prefix, or why the call cannot be made.
func (c *Cache[V]) getOrSetKey(ctx context.Context, key string, ttl time.Duration, load func(context.Context) (V, error)) (string, error) {
	if err := c.ready(ctx); err != nil {
		return "", err
	}
	if load == nil {
		return "", errNilLoader
	}
	if _, err := c.resolveTTL(ttl); err != nil {
		return "", err
	}
	return c.fullKey(key)
}

// await is GetOrSet after its read of key (full: with the prefix) found no value
// but readErr: it answers that error, or joins the key's flight (starting the
// load when there is none) and returns its result. landed is c.landed as it was
// before the read.
func (c *Cache[V]) await(ctx context.Context, key, full string, ttl time.Duration, load func(context.Context) (V, error), readErr error, landed uint64) (V, error) {
	var zero V
	first, err := c.triage(ctx, readErr)
	if err != nil {
		return zero, err // an absence, or a failure to return as it is
	}

	c.mu.Lock()
	cl, loading := c.flight[full]
	if !loading {
		cl = &call[V]{done: make(chan struct{})}
		c.flight[full] = cl
	}
	// A load that ended since the read may have stored the value the read missed:
	// the new load looks once more before loading. Without one, the miss stands and
	// the load need not wait for another read (on a remote cache, behind the reads
	// of every other caller of a stampede).
	reread := first == lookMiss && c.landed.Load() != landed
	c.mu.Unlock()
	if loading && c.obs != nil {
		c.obs.coalesced.Add(1)
		c.obs.ctxSpanCoalesced(ctx)
	}
	if first != lookMiss {
		// Reported once this caller waits on the load: a hook that has heard from
		// every caller knows that they will all share one.
		c.report(opOf(first), key, readErr)
	}
	if !loading {
		// The load runs in its own goroutine, detached from this caller's
		// cancellation, so no single waiter can cancel it for the others; Close
		// cancels it.
		lctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
		stop := context.AfterFunc(c.life, func() { cancel(ErrClosed) })
		go func() {
			defer cancel(nil)
			defer stop()
			c.load(lctx, key, full, ttl, load, cl, first, reread)
		}()
	}
	select {
	case <-cl.done:
		return c.result(cl)
	case <-ctx.Done():
		return zero, adapter.CheckContext(ctx)
	case <-c.life.Done():
		return zero, ErrClosed
	}
}

// load runs one GetOrSet load for the flight cl, after the first caller's read of
// key found first; reread says to read once more before loading (see await).
func (c *Cache[V]) load(ctx context.Context, key, full string, ttl time.Duration, load func(context.Context) (V, error), cl *call[V], first look, reread bool) {
	returned := false
	defer func() {
		if r := recover(); r != nil || !returned {
			// !returned with no panic value: the loader called runtime.Goexit
			// (t.FailNow, for one); waiters must not mistake that for a value.
			var zero V
			cl.val, cl.err = zero, &PanicError{Key: key, Value: r, Stack: debug.Stack()}
			if c.obs != nil {
				c.obs.loadErrors.Add(1)
			}
		}
		c.mu.Lock()
		delete(c.flight, full)
		c.landed.Add(1) // under mu: see await
		c.mu.Unlock()
		close(cl.done)
	}()
	if reread {
		// Another caller's load may have stored the value between our miss and the
		// moment we registered this call: look once more, so load runs once per miss.
		// After any other first look there is nothing to wait for.
		v, err := c.get(ctx, key, full)
		if c.obs != nil {
			c.obs.fail(opGetOrSet, err) // a miss is not counted again
		}
		if err == nil {
			cl.val, returned = v, true
			return
		}
		l, ferr := c.triage(ctx, err)
		if ferr != nil {
			cl.err, returned = ferr, true
			return
		}
		if l != lookMiss {
			c.report(opOf(l), key, err)
			first = l
		}
	}
	lctx := ctx
	if c.loadTimeout > 0 {
		var cancel context.CancelFunc
		lctx, cancel = context.WithTimeout(ctx, c.loadTimeout)
		defer cancel()
	}
	var t0 time.Time
	if c.obs != nil {
		c.obs.loads.Add(1)
		t0 = time.Now()
	}
	v, err := load(lctx)
	returned = true
	if c.obs != nil {
		c.obs.loaded(ctx, t0, err)
	}
	if err != nil && errors.Is(context.Cause(ctx), ErrClosed) {
		// Close cancelled the load: its waiters may see cl.done before c.life's end,
		// and must get ErrClosed either way, not the loader's view of it.
		cl.err = ErrClosed
		return
	}
	if err != nil {
		if first != lookDown && c.serveStale(ctx, key, full, cl, err) {
			return
		}
		cl.err = err
		if c.neg != nil && first != lookDown && errors.Is(err, ErrNotFound) {
			// Stored bytes this cache cannot read would hide the record: replace them.
			if serr := c.storeAbsence(ctx, full, first != lookMiss); serr != nil {
				if c.obs != nil {
					c.obs.fail(opGetOrSet, serr)
				}
				c.report(OpStore, key, serr) // the caller's answer is err either way
			}
		}
		return
	}
	cl.val = v
	if first == lookDown {
		// The backend is down: a store would only fail, after making every waiter
		// wait for it. Encode anyway, for the waiters' copies (see result).
		cl.enc, cl.err = c.encode(key, v)
		if c.obs != nil {
			c.obs.fail(opGetOrSet, cl.err)
		}
		return
	}
	enc, err := c.set(ctx, key, v, ttl, false)
	if c.obs != nil {
		c.obs.stored(err)
	}
	cl.enc = enc
	switch {
	case err == nil:
	case enc == nil || c.policy == ReturnCacheError:
		cl.err = err // not encoded (or the Cache closed), or the caller asked for store errors
	default:
		c.report(OpStore, key, err)
	}
}
