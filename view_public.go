package strata

import (
	"context"
	"errors"

	"github.com/stratacache/strata/internal/fastpath"
	"github.com/stratacache/strata/serializer"
)

// View calls fn with the value under key and returns fn's error as it is: a read
// of large values that need not copy them. A miss or a failure is what Get returns
// (an error wrapping ErrNotFound, ErrCachedAbsence with Options.NegativeTTL, ErrCodec,
// ErrClosed, ctx's error, the backend's error), and fn is then not called. fn is
// called at most once, on the caller's goroutine.
//
// Which v fn gets, and for how long it is valid:
//
//   - Over an in-process driver (drivers/memory, and the L1 of drivers/layered) with
//     a codec whose Unmarshal may return its input (serializer.Raw[[]byte], and any
//     codec that does not report true from serializer.CopyingUnmarshaler), v is the
//     stored bytes themselves, lent without a copy. v is valid only while fn runs: fn
//     must not modify it, and must not keep v or any part of it (a sub-slice, a string
//     made with package unsafe) once it returns; copy what must outlive fn, e.g.
//     dst = append(dst, v...). While fn runs v stays whole and unchanged, whatever other
//     goroutines Set, Remove or evict: a write stores a new entry and never changes one
//     already stored, and the bytes lent stay in memory as long as v refers to them.
//   - Otherwise v is the value Get would return, the caller's own: with MsgPack, Gob or
//     JSON (decoded into fresh memory), with serializer.Raw[string] (its conversion
//     copies), and over a driver that cannot lend its bytes (drivers/redis, whose
//     bytes come from the network anyway).
//
// fn may call the Cache: no lock is held while it runs. A panic in fn propagates to
// View's caller. An error fn returns is the caller's, not the cache's: with
// Options.MeterProvider or TracerProvider, View counts and traces as a Get (op "get",
// span strata.Get), and a call whose fn failed counts as a hit, not as an error.
func (c *Cache[V]) View(ctx context.Context, key string, fn func(v V) error) error {
	if fn == nil {
		return errNilViewFunc // the caller's mistake: neither a read nor a cache error
	}
	if c.obs != nil {
		return c.viewObserved(ctx, key, fn)
	}
	readErr, fnErr := c.view(ctx, key, fn)
	if readErr != nil {
		return readErr
	}
	return fnErr
}

// view is View, unobserved: readErr is the cache's answer (nil for a hit), fnErr
// what fn returned when it was called.
func (c *Cache[V]) view(ctx context.Context, key string, fn func(V) error) (readErr, fnErr error) {
	if err := c.ready(ctx); err != nil {
		return err, nil
	}
	full, err := c.fullKey(key)
	if err != nil {
		return err, nil
	}
	// c.viewer is nil over a fastpath.Viewer only when the codec does not copy (see
	// viewerFor; negative caching replaces it only over adapters without one): then
	// lending the stored bytes saves the copy Get must make. Otherwise Get's own read
	// already decodes without an intermediate copy (or copies a kept value), or
	// there is nothing to lend.
	if c.viewer == nil {
		if vw, ok := c.a.(fastpath.Viewer); ok {
			return c.lend(ctx, vw, key, full, fn)
		}
	}
	v, err := c.get(ctx, key, full)
	if err != nil {
		return err, nil
	}
	return nil, fn(v)
}

// errNilViewFunc is View's answer to a nil fn.
var errNilViewFunc = errors.New("strata: View was given a nil fn; pass the function that reads the value")

// errLent is what lendState.call returns to the driver when decoding or fn failed:
// it wraps nothing, so no driver mistakes it for a miss (drivers/layered would read
// L2 after an L1 View returning ErrNotFound), and the real error waits in the
// lendState.
var errLent = errors.New("strata: View callback failed")

// lendState is one View call through a fastpath.Viewer. Cache pools them in c.views,
// beside the *viewState[V] of Get (a Cache uses only one of the two: lend needs
// c.viewer nil, getView non-nil), so that a View hit allocates nothing: call is bound
// once.
type lendState[V any] struct {
	codec   serializer.Codec[V]
	key     string        // the user's key, for a decoding error
	fn      func(V) error // the user's
	call    func([]byte) error
	called  bool  // the driver called call: its error is the answer, not a miss
	readErr error // decoding failed
	fnErr   error // fn failed
}

// lendTo decodes the lent bytes b and calls the user's fn with the value.
func (s *lendState[V]) lendTo(b []byte) error {
	s.called = true
	v, err := s.codec.Unmarshal(b)
	if err != nil {
		s.readErr = &KeyError{Key: s.key, Err: err}
		return errLent
	}
	if err := s.fn(v); err != nil {
		s.fnErr = err
		return errLent
	}
	return nil
}

// lend is view through the driver's fastpath.Viewer: fn sees the stored bytes,
// decoded by a codec that may return them as they are.
func (c *Cache[V]) lend(ctx context.Context, vw fastpath.Viewer, key, full string, fn func(V) error) (readErr, fnErr error) {
	s, _ := c.views.Get().(*lendState[V])
	if s == nil {
		s = &lendState[V]{codec: c.codec}
		s.call = s.lendTo
	}
	s.key, s.fn = key, fn
	err := vw.View(ctx, full, s.call)
	called := s.called
	readErr, fnErr = s.readErr, s.fnErr
	s.key, s.fn, s.called, s.readErr, s.fnErr = "", nil, false, nil, nil
	c.views.Put(s)
	if called {
		return readErr, fnErr
	}
	if err != nil {
		return c.missed(ctx, err, full, key), nil
	}
	return nil, nil // a driver breaking fastpath.Viewer's contract: nothing to return
}

// viewObserved is View with c.obs: counted and traced as a Get.
func (c *Cache[V]) viewObserved(ctx context.Context, key string, fn func(V) error) error {
	o := c.obs
	ctx, oc := o.begin(ctx, opGet)
	o.spanKey(oc.span, key)
	readErr, fnErr := c.view(ctx, key, fn)
	o.read(oc.s, opGet, readErr)
	spanHit(oc.span, readErr)
	o.end(ctx, oc, opGet, readErr)
	if readErr != nil {
		return readErr
	}
	return fnErr
}
