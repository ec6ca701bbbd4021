package adapter

import (
	"context"
	"fmt"
	"time"
)

// errNoAdapter is what a Cache built with a nil Adapter returns, instead of panicking.
var errNoAdapter = fmt.Errorf("%w: adapter.New was given a nil Adapter", ErrClosed)

// noAdapter stands in for a nil Adapter so misuse yields errors, not panics.
type noAdapter struct{}

func (noAdapter) Get(context.Context, string) ([]byte, error)              { return nil, errNoAdapter }
func (noAdapter) Set(context.Context, string, []byte, time.Duration) error { return errNoAdapter }
func (noAdapter) Remove(context.Context, ...string) (bool, error)          { return false, errNoAdapter }
func (noAdapter) UpdateTimeout(context.Context, string, time.Duration) ([]byte, error) {
	return nil, errNoAdapter
}
func (noAdapter) Close() error { return nil }
