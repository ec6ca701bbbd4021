package strata

import (
	"context"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/internal/fastpath"
	"github.com/stratacache/strata/serializer"
)

// viewState decodes a value lent by a fastpath.Viewer. Cache pools them, so that a Get
// through View allocates nothing beyond what the codec allocates: fn is bound once.
// The pool (c.views) holds Cache.View's *lendState[V] instead when c.viewer is nil.
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

// viewerFor returns a's fastpath.Viewer when Cache may decode lent bytes with codec, else nil.
func viewerFor[V any](a adapter.Adapter, codec serializer.Codec[V]) fastpath.Viewer {
	vw, ok := a.(fastpath.Viewer)
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
		return zero, c.missed(ctx, err, full, key)
	}
	return v, nil
}
