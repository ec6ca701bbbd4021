package serializer

import (
	"fmt"
	"strings"
	"sync/atomic"
)

// Format identifiers held by defaultFormat.
const (
	formatMsgPack int32 = iota
	formatGob
	formatJSON
)

// defaultFormat is the process-wide default; the zero value means msgpack.
var defaultFormat atomic.Int32

// Default returns a codec of the process-wide default format: msgpack unless
// changed with SetDefault. The codec keeps the format that was the default
// when Default was called; later SetDefault calls do not change it.
func Default[V any]() Codec[V] {
	switch defaultFormat.Load() {
	case formatGob:
		return Gob[V]()
	case formatJSON:
		return JSON[V]()
	default:
		return MsgPack[V]()
	}
}

// SetDefault sets the process-wide default format: "msgpack", "gob" or "json"
// (case does not matter); the Python original's pickle_default. It is safe
// for concurrent use, but affects only codecs obtained afterwards, so call it
// at start-up before creating caches. Raw cannot be the default, since it
// only holds strings and byte slices. Any other name returns an error listing
// the allowed ones and leaves the default unchanged.
func SetDefault(format string) error {
	switch strings.ToLower(format) {
	case nameMsgPack:
		defaultFormat.Store(formatMsgPack)
	case nameGob:
		defaultFormat.Store(formatGob)
	case nameJSON:
		defaultFormat.Store(formatJSON)
	default:
		return fmt.Errorf("strata: unknown default serializer %q: use \"msgpack\", \"gob\" or \"json\"", format)
	}
	return nil
}
