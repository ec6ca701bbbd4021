package conformance_test

import (
	"context"
	"time"
)

func init() {
	brokenCases = append(brokenCases,
		brokenCase{
			// Keeps serving an expired value as stale long after the grace period the
			// harness claims: GetOrSet's stale-if-error would serve data of any age.
			name:         "stale-beyond-grace",
			harnessGrace: graceWindow, innerGrace: time.Minute,
			breakIt: func(*wrapper) {},
			mustFail: []string{
				"StaleReader returns an expired value as stale during the grace period (300ms), and misses after it",
			},
		},
		brokenCase{
			// Reports a stale value as fresh: the caller cannot tell it was served
			// past its expiry.
			name:         "stale-reported-fresh",
			harnessGrace: graceWindow, innerGrace: graceWindow,
			breakIt: func(w *wrapper) {
				w.getStale = func(ctx context.Context, key string) ([]byte, bool, error) {
					v, _, err := w.m.GetStale(ctx, key)
					return v, false, err
				}
			},
			mustFail: []string{
				"StaleReader returns an expired value as stale during the grace period (300ms), and misses after it",
			},
		},
	)
}
