package serializer

import (
	"bytes"
	"sync"
)

// maxPooledBuffer bounds the capacity of a buffer returned to a pool, so one
// huge value does not pin its memory for the life of the process.
const maxPooledBuffer = 64 << 10

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// getBuffer returns an empty pooled buffer holding only tag.
func getBuffer(tag byte) *bytes.Buffer {
	buf := bufferPool.Get().(*bytes.Buffer)
	buf.Reset()
	buf.WriteByte(tag)
	return buf
}

// putBuffer returns buf to the pool unless it grew too large.
func putBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBuffer {
		bufferPool.Put(buf)
	}
}

// takeBytes returns the encoded bytes b, which live in buf, as a slice the
// caller owns, and reports whether buf may go back to its pool. A poolable
// buffer costs one copy into a slice of exactly the right size; a buffer too
// large to pool is handed over as it is, without a copy.
func takeBytes(buf *bytes.Buffer, b []byte) (out []byte, reuse bool) {
	if buf.Cap() > maxPooledBuffer {
		return b, false
	}
	out = make([]byte, len(b))
	copy(out, b)
	return out, true
}
