// Package ctxtest holds contexts for tests that need a moment real contexts only
// give on a loaded machine.
package ctxtest

import (
	"context"
	"time"
)

// TimerLate returns a context whose deadline is at, and whose timer never fires:
// Err stays nil and Done never closes, even after at. A socket read that times
// out at the deadline can return a moment before a real context's timer fires
// and ctx.Err() turns non-nil (more so under load); TimerLate holds that moment
// open, so that code which must report the deadline from the time alone can be
// tested deterministically. Values come from parent.
func TimerLate(parent context.Context, at time.Time) context.Context {
	return timerLate{parent, at}
}

type timerLate struct {
	context.Context
	at time.Time
}

func (c timerLate) Deadline() (time.Time, bool) { return c.at, true }
func (c timerLate) Done() <-chan struct{}       { return nil }
func (c timerLate) Err() error                  { return nil }
