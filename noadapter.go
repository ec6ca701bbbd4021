package strata

import (
	"context"
	"fmt"
	"time"
)

// errNoAdapter is what a Cache built with a nil adapter.Adapter returns, instead of panicking.
var errNoAdapter = fmt.Errorf("%w: strata.New was given a nil adapter.Adapter", ErrClosed)

// noAdapter stands in for a nil adapter.Adapter so misuse yields errors, not panics.
type noAdapter struct{}

func (noAdapter) Get(context.Context, string) ([]byte, error)              { return nil, errNoAdapter }
func (noAdapter) Set(context.Context, string, []byte, time.Duration) error { return errNoAdapter }
func (noAdapter) Remove(context.Context, ...string) (bool, error)          { return false, errNoAdapter }
func (noAdapter) UpdateTimeout(context.Context, string, time.Duration) ([]byte, error) {
	return nil, errNoAdapter
}
func (noAdapter) Clear(context.Context, string) error { return errNoAdapter }
func (noAdapter) Close() error                        { return nil }
