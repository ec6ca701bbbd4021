package strata

import (
	"context"
	"errors"
	"reflect"
	"sync"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/internal/clone"
	"github.com/stratacache/strata/internal/fastpath"
	"github.com/stratacache/strata/serializer"
)

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

// memoState is what a Cache needs to read through a fastpath.Memoizer.
type memoState[V any] struct {
	m      fastpath.Memoizer
	tag    any       // an interned *memoTag, boxed once (boxing per call would allocate)
	clone  func(V) V // nil: assignment is a safe copy
	decode func([]byte) (any, error)
}

// memoFor returns how a Cache over a may read through a's fastpath.Memoizer, or nil when it
// may not (see fastpath.Memoizer).
func memoFor[V any](a adapter.Adapter, codec serializer.Codec[V], off bool) *memoState[V] {
	m, ok := a.(fastpath.Memoizer)
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

// decodeFailure marks a codec error passed through a fastpath.Memoizer, so that getMemo can
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
		return zero, c.missed(ctx, err, full, key)
	}
	v, ok := got.(V)
	if !ok {
		return zero, &KeyError{Key: key, Err: errors.New("strata: the adapter's fastpath.Memoizer returned a value of another type")}
	}
	if c.memo.clone != nil {
		v = c.memo.clone(v)
	}
	return v, nil
}
