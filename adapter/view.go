package adapter

import (
	"context"

	"github.com/stratacache/strata/serializer"
)

// Viewer is implemented by adapters that can lend the bytes they store for the
// duration of a callback, instead of returning a copy. Cache.Get uses it when its
// codec decodes into fresh memory (serializer.CopyingUnmarshaler: msgpack, gob and
// json), which saves the copy an Adapter's Get must make. A Cache with serializer.Raw
// never uses it: Raw returns the bytes it is given, so they must be a copy.
//
// Implementations must only lend memory that no write changes while fn runs (for
// example an immutable stored entry); otherwise they copy first.
type Viewer interface {
	// View calls fn once with the value stored under key and returns fn's error as
	// it is. When the key is missing or expired, or on any other failure (closed
	// adapter, invalid key, ctx done, backend error), it returns the error Get
	// would and does not call fn.
	//
	// value is valid only while fn runs: fn must not modify it, and must not keep it
	// or any part of it after returning. fn must not call the adapter, and its errors
	// must not wrap ErrNotFound (a caller could not tell them from a miss).
	View(ctx context.Context, key string, fn func(value []byte) error) error
}

// viewState decodes a value lent by a Viewer. Cache pools them, so that a Get
// through View allocates nothing beyond what the codec allocates: fn is bound once.
type viewState[V any] struct {
	codec serializer.Codec[V]
	to    serializer.UnmarshalerTo[V] // codec's, when it has it: decodes into v
	key   string                      // the user's key, for the error
	v     V
	fn    func([]byte) error // s.decode
}

// decode decodes b into s.v (which holds the zero V: getView resets it after each use).
func (s *viewState[V]) decode(b []byte) error {
	var err error
	if s.to != nil {
		err = s.to.UnmarshalTo(b, &s.v)
	} else {
		s.v, err = s.codec.Unmarshal(b)
	}
	if err != nil {
		return &KeyError{Key: s.key, Err: err}
	}
	return nil
}

// viewerFor returns a's Viewer when Cache may decode lent bytes with codec, else nil.
func viewerFor[V any](a Adapter, codec serializer.Codec[V]) Viewer {
	vw, ok := a.(Viewer)
	if !ok {
		return nil
	}
	if cu, ok := codec.(serializer.CopyingUnmarshaler); !ok || !cu.UnmarshalCopies() {
		return nil
	}
	return vw
}

// getView is Get through c.viewer: the codec decodes the driver's stored bytes
// directly, with no intermediate copy.
func (c *Cache[V]) getView(ctx context.Context, key, full string) (V, error) {
	s, _ := c.views.Get().(*viewState[V])
	if s == nil {
		s = &viewState[V]{codec: c.codec}
		s.to, _ = c.codec.(serializer.UnmarshalerTo[V])
		s.fn = s.decode
	}
	s.key = key
	err := c.viewer.View(ctx, full, s.fn)
	v := s.v
	var zero V
	s.v, s.key = zero, "" // also drops a partly decoded value after an error
	c.views.Put(s)
	if err != nil {
		return zero, c.callerKey(err, full, key)
	}
	return v, nil
}
