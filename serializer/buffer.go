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

// detach copies the contents of a pooled buffer into a new slice of exactly
// the right size, the one copy a pooled encoder costs.
func detach(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}
