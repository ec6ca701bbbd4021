package serializer

// Raw returns the codec that stores a string or byte slice exactly as given,
// with no format tag: the Python original's "serializer off". Use it for data
// shared with programs in other languages, or for values that already are
// encoded bytes.
//
// For a byte-slice type neither Marshal nor Unmarshal copies: Marshal returns
// v itself and Unmarshal returns b itself (drivers copy at their boundary), so
// the caller must not modify a slice after handing it over. For a string type
// the one unavoidable conversion copies. Raw never fails, and so cannot tell
// that stored bytes were written by another codec.
func Raw[V ~string | ~[]byte]() Codec[V] { return rawCodec[V]{} }

type rawCodec[V ~string | ~[]byte] struct{}

func (rawCodec[V]) Name() string { return nameRaw }

func (rawCodec[V]) Marshal(v V) ([]byte, error) { return []byte(v), nil }

func (rawCodec[V]) Unmarshal(b []byte) (V, error) { return V(b), nil }
