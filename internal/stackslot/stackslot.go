// Package stackslot picks the slot of a striped counter or lock for the calling
// goroutine, so that goroutines running at once on different cores mostly touch
// different cache lines.
package stackslot

import "unsafe"

// Hash returns a number for the calling goroutine: the Fibonacci hash of the
// address of a variable on its stack. Goroutines have stacks of their own
// (allocated in blocks of at least 2 KiB), so goroutines running at once mostly
// get different numbers, and a goroutine gets the same one from call to call at
// the same depth. Take the top bits (Hash() >> (64 - bits)): they are the
// well-mixed ones. It costs a few instructions, where a per-P index would need
// the runtime's internals. The address is only used as a number, never as a
// pointer, so a stack that moves only changes the stripe.
func Hash() uint64 {
	var anchor byte
	return uint64(uintptr(unsafe.Pointer(&anchor))>>10) * 0x9E3779B97F4A7C15
}
