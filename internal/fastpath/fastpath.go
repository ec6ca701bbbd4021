// Package fastpath holds the capabilities that in-tree drivers implement so that
// strata.Cache can serve typed hits from an in-process store without a copy or a
// decode. They are not part of the driver contract (package adapter): a third-party
// driver needs neither, and Cache works without them.
package fastpath

import "context"

// Memoizer is implemented by in-process adapters that can keep a decoded value
// beside the stored bytes it was decoded from, so that a typed Cache decodes each
// stored value once instead of on every hit. drivers/memory implements it, and
// drivers/layered forwards it to its L1.
//
// strata.Cache uses it only when every hit can still get a value of its own: the codec's
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
	// returned is shared with later callers: they must not modify it (strata.Cache hands
	// each caller a copy). tag must be comparable; values kept under a different tag
	// are never returned. An adapter keeping a value counts its memory against its
	// bound (see the driver's documentation).
	GetMemo(ctx context.Context, key string, tag any, decode func(value []byte) (any, error)) (any, error)
}

// Viewer is implemented by adapters that can lend the bytes they store for the
// duration of a callback, instead of returning a copy. strata.Cache.Get uses it when its
// codec decodes into fresh memory (serializer.CopyingUnmarshaler: msgpack, gob and
// json), which saves the copy an Adapter's Get must make. Get with serializer.Raw
// never uses it (Raw returns the bytes it is given, so they must be a copy), but
// strata.Cache.View does: there the caller's callback sees the lent bytes, under
// the same rules as fn here.
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
