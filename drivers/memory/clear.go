package memory

import (
	"bytes"
	"context"
	"strings"

	"github.com/stratacache/strata/adapter"
)

// clearCheckEvery is how many keys Clear removes between looks at its ctx.
const clearCheckEvery = 1024

// Clear removes every entry whose key starts with prefix; "" removes every entry.
// Clearing everything holds every write lock, so writes of other goroutines wait
// until it is done. Clearing a prefix collects the matching keys (from ristretto and
// from the admission window) and removes each under its own write lock, as Remove
// does, so other keys stay writable meanwhile; a key written while it runs may
// survive. If ctx ends part way, Clear returns its error and the keys not yet
// removed stay.
func (a *Adapter) Clear(ctx context.Context, prefix string) error {
	s, err := a.begin(ctx)
	if err != nil {
		return err
	}
	defer a.leave(s)
	if prefix == "" {
		a.clearAll()
		return nil
	}
	for i, k := range a.keysWithPrefix(prefix) {
		if i%clearCheckEvery == clearCheckEvery-1 {
			if err := adapter.CheckContext(ctx); err != nil {
				return err
			}
		}
		a.remove(k)
	}
	return nil
}

// keysWithPrefix returns the keys held (in ristretto or in the admission window)
// that start with prefix, each a string of its own. ristretto calls back under a
// shard's read lock, so the keys are collected first and removed afterwards.
func (a *Adapter) keysWithPrefix(prefix string) []string {
	var keys []string
	p := []byte(prefix)
	a.rc.IterValues(func(e entry) bool {
		if k := e.key(); bytes.HasPrefix(k, p) {
			keys = append(keys, string(k))
		}
		return false
	})
	return append(keys, a.win.keysWithPrefix(prefix)...)
}

// key returns the key e was stored under, sharing e's buffer.
func (e *entry) key() []byte { return e.buf[headerLen:e.valueAt()] }

// keysWithPrefix returns the keys the window holds that start with prefix.
func (w *window) keysWithPrefix(prefix string) []string {
	if w.n.Load() == 0 {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var keys []string
	for k := range w.held {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	return keys
}
