package adapter

import (
	"context"
	"errors"
	"reflect"
	"sync"

	"github.com/stratacache/strata/internal/clone"
	"github.com/stratacache/strata/serializer"
)

// Memoizer is implemented by in-process adapters that can keep a decoded value
// beside the stored bytes it was decoded from, so that a typed Cache decodes each
// stored value once instead of on every hit. drivers/memory implements it, and
// drivers/layered forwards it to its L1.
//
// Cache uses it only when every hit can still get a value of its own: the codec's
// decoding is pure and copies (serializer.PureUnmarshaler and
// serializer.CopyingUnmarshaler: MsgPack, Gob and JSON) and V can be copied so that the copy
// shares no mutable memory with the kept value (internal/clone: plain values and
// strings are copied by assignment; slices, maps and pointers are deep-copied; V
// holding interfaces, channels or functions is never memoized). Options.DecodeEveryHit
// turns it off.
type Memoizer interface {
	// GetMemo returns the value kept beside key's stored bytes under tag. When none
	// is kept (the bytes were written since, or by another process, or under another
	// tag), it calls decode with the stored bytes, may keep the result under tag,
	// and returns it. decode's error is returned as it is, and nothing is kept.
	//
	// A miss, an expired key and every other failure return the error Get would,
	// without calling decode. The bytes passed to decode are only valid while it
	// runs: decode must not modify them, nor keep them unless it copies. The value
	// returned is shared with later callers: they must not modify it (Cache hands
	// each caller a copy). tag must be comparable; values kept under a different tag
	// are never returned. An adapter keeping a value counts its memory against its
	// bound (see the driver's documentation).
	GetMemo(ctx context.Context, key string, tag any, decode func(value []byte) (any, error)) (any, error)
}

// memoTag identifies what a kept value was decoded by: the same codec type
// decoding the same bytes into the same V gives equal values.
type memoTag struct{ codec, value reflect.Type }

// memoTags interns tags: a *memoTag compares as one pointer, where comparing two
// boxed memoTag structs costs a call on every hit.
var memoTags sync.Map // memoTag -> *memoTag

func internTag(t memoTag) *memoTag {
	p, _ := memoTags.LoadOrStore(t, &t)
	return p.(*memoTag)
}

// memoState is what a Cache needs to read through a Memoizer.
type memoState[V any] struct {
	m      Memoizer
	tag    any       // an interned *memoTag, boxed once (boxing per call would allocate)
	clone  func(V) V // nil: assignment is a safe copy
	decode func([]byte) (any, error)
}

// memoFor returns how a Cache over a may read through a's Memoizer, or nil when it
// may not (see Memoizer).
func memoFor[V any](a Adapter, codec serializer.Codec[V], off bool) *memoState[V] {
	m, ok := a.(Memoizer)
	if !ok || off {
		return nil
	}
	// Pure: a kept value stands for decoding again. Copying: decode may keep
	// nothing of the bytes it is lent.
	if p, ok := codec.(serializer.PureUnmarshaler); !ok || !p.UnmarshalIsPure() {
		return nil
	}
	if cu, ok := codec.(serializer.CopyingUnmarshaler); !ok || !cu.UnmarshalCopies() {
		return nil
	}
	cl, ok := clone.For[V]()
	if !ok {
		return nil
	}
	return &memoState[V]{
		m:     m,
		tag:   internTag(memoTag{reflect.TypeOf(codec), reflect.TypeFor[V]()}),
		clone: cl,
		decode: func(b []byte) (any, error) {
			v, err := codec.Unmarshal(b)
			if err != nil {
				return nil, decodeFailure{err}
			}
			return v, nil
		},
	}
}

// decodeFailure marks a codec error passed through a Memoizer, so that getMemo can
// tell it from the adapter's own errors and name the user's key in it.
type decodeFailure struct{ err error }

func (d decodeFailure) Error() string { return d.err.Error() }
func (d decodeFailure) Unwrap() error { return d.err }

// getMemo is Get through c.memo: a hit on a kept value costs a copy of it, no
// decoding.
func (c *Cache[V]) getMemo(ctx context.Context, key, full string) (V, error) {
	var zero V
	got, err := c.memo.m.GetMemo(ctx, full, c.memo.tag, c.memo.decode)
	if err != nil {
		var df decodeFailure
		if errors.As(err, &df) {
			return zero, &KeyError{Key: key, Err: df.err}
		}
		return zero, c.callerKey(err, full, key)
	}
	v, ok := got.(V)
	if !ok {
		return zero, &KeyError{Key: key, Err: errors.New("strata: the adapter's Memoizer returned a value of another type")}
	}
	if c.memo.clone != nil {
		v = c.memo.clone(v)
	}
	return v, nil
}
