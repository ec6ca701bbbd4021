package redistest

import (
	"context"
	"fmt"
	"time"
)

// poll runs check every 100ms until it succeeds or ctx ends; the error
// then says what was still wrong, which is what one needs to debug it.
func poll(ctx context.Context, check func() error) error {
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w; last check: %v", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
