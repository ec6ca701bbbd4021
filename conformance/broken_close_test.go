package conformance_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/stratacache/strata/adapter"
)

// errBrokenClosed is what the close-waits-for-refused-calls case returns once closed.
var errBrokenClosed = fmt.Errorf("%w (broken adapter)", adapter.ErrClosed)

func init() {
	brokenCases = append(brokenCases, brokenCase{
		// The close gate drivers/memory once had: every call, even one refused because
		// the adapter is closing, bumps a counter that Close waits to see at zero.
		// While goroutines keep calling, the counter is rarely zero, so Close takes
		// seconds or never returns.
		name: "close-waits-for-refused-calls",
		breakIt: func(w *wrapper) {
			var closed atomic.Bool
			var calls atomic.Int64
			// call counts every call while it runs, refused or not.
			call := func(op string, f func() error) error {
				calls.Add(1)
				defer calls.Add(-1)
				if closed.Load() {
					return fmt.Errorf("%s: %w", op, errBrokenClosed)
				}
				return f()
			}
			w.get = func(ctx context.Context, k string) (v []byte, err error) {
				err = call("get", func() error { v, err = w.m.Get(ctx, k); return err })
				return v, err
			}
			w.set = func(ctx context.Context, k string, v []byte, ttl time.Duration) error {
				return call("set", func() error { return w.m.Set(ctx, k, v, ttl) })
			}
			w.getMany = func(ctx context.Context, keys []string) (m map[string][]byte, err error) {
				err = call("get many", func() error { m, err = w.m.GetMany(ctx, keys); return err })
				return m, err
			}
			w.close = func() error {
				if closed.Swap(true) {
					return nil
				}
				for d := time.Microsecond; calls.Load() != 0; d = min(2*d, time.Millisecond) {
					time.Sleep(d)
				}
				return w.m.Close()
			}
		},
		mustFail: []string{
			"Close returns promptly while many goroutines keep calling",
		},
	})
}
