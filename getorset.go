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
// cached; a loader panic becomes ErrLoaderPanicked. If the loaded value cannot be
// stored, GetOrSet returns it together with the store error.
//
// Close cancels the context of the loads in flight (its cause is ErrClosed) and
// their waiters return ErrClosed at once; a loader that ignores its ctx runs on until
// it returns, and its value is then dropped.
//
// Without Options.LoadTimeout a loader that never returns holds its key's flight
// forever, so callers without a deadline would wait forever too: give loaders a bound.
func (c *Cache[V]) GetOrSet(ctx context.Context, key string, ttl time.Duration, load func(context.Context) (V, error)) (V, error) {
	var zero V
	if err := c.ready(ctx); err != nil {
		return zero, err
	}
	if load == nil {
		return zero, errors.New("strata: GetOrSet needs a loader function, got nil")
	}
	if _, err := c.resolveTTL(ttl); err != nil {
		return zero, err
	}
	v, err := c.Get(ctx, key)
	if !errors.Is(err, ErrNotFound) {
		return v, err // a hit, or a failure other than a miss
	}
	full := c.prefix + key

	c.mu.Lock()
	cl, loading := c.flight[full]
	if !loading {
		cl = &call[V]{done: make(chan struct{})}
		c.flight[full] = cl
	}
	c.mu.Unlock()
	if !loading {
		// The load runs in its own goroutine, detached from this caller's
		// cancellation, so no single waiter can cancel it for the others; Close
		// cancels it.
		lctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
		stop := context.AfterFunc(c.life, func() { cancel(ErrClosed) })
		go func() {
			defer cancel(nil)
			defer stop()
			c.load(lctx, key, full, ttl, load, cl)
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

func (c *Cache[V]) load(ctx context.Context, key, full string, ttl time.Duration, load func(context.Context) (V, error), cl *call[V]) {
	returned := false
	defer func() {
		if r := recover(); r != nil || !returned {
			// !returned with no panic value: the loader called runtime.Goexit
			// (t.FailNow, for one); waiters must not mistake that for a value.
			var zero V
			cl.val, cl.err = zero, &PanicError{Key: key, Value: r, Stack: debug.Stack()}
		}
		c.mu.Lock()
		delete(c.flight, full)
		c.mu.Unlock()
		close(cl.done)
	}()
	// Another caller's load may have stored the value between our miss and the
	// moment we registered this call: look once more, so load runs once per miss.
	if v, err := c.Get(ctx, key); !errors.Is(err, ErrNotFound) {
		cl.val, cl.err, returned = v, err, true
		return
	}
	lctx := ctx
	if c.loadTimeout > 0 {
		var cancel context.CancelFunc
		lctx, cancel = context.WithTimeout(ctx, c.loadTimeout)
		defer cancel()
	}
	v, err := load(lctx)
	returned = true
	if err != nil {
		cl.err = err
		return
	}
	cl.val = v
	cl.enc, cl.err = c.set(ctx, key, v, ttl)
}
