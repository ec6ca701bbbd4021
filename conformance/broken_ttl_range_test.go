package conformance_test

import (
	"context"
	"time"
)

// wrappingMS converts ttl to milliseconds the careless way, rounding up by adding
// 1ms-1ns first: near math.MaxInt64 the sum wraps and the result is negative.
func wrappingMS(ttl time.Duration) time.Duration {
	return (ttl + time.Millisecond - 1) / time.Millisecond * time.Millisecond
}

func init() {
	brokenCases = append(brokenCases, brokenCase{
		// Overflows on TTLs near the top of time.Duration and, seeing a TTL that is
		// not positive, stores the value as already expired (as Redis does with a
		// negative PEXPIRE), instead of saturating to no expiry.
		name: "huge-ttls-wrap-negative",
		breakIt: func(w *wrapper) {
			// wraps reports whether the careless conversion of ttl turns negative,
			// and the converted TTL otherwise.
			wraps := func(ttl time.Duration) (time.Duration, bool) {
				if ttl <= 0 {
					return ttl, false // NoExpiration
				}
				ms := wrappingMS(ttl)
				return ms, ms <= 0
			}
			// A write with a wrapped TTL is applied and its keys expire at once.
			w.set = func(ctx context.Context, k string, v []byte, ttl time.Duration) error {
				ms, wrapped := wraps(ttl)
				if wrapped {
					ms = time.Hour
				}
				if err := w.m.Set(ctx, k, v, ms); err != nil || !wrapped {
					return err
				}
				_, err := w.m.Remove(ctx, k)
				return err
			}
			w.setMany = func(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
				ms, wrapped := wraps(ttl)
				if wrapped {
					ms = time.Hour
				}
				if err := w.m.SetMany(ctx, items, ms); err != nil || !wrapped {
					return err
				}
				for k := range items {
					if _, err := w.m.Remove(ctx, k); err != nil {
						return err
					}
				}
				return nil
			}
			w.updateTimeout = func(ctx context.Context, k string, ttl time.Duration) ([]byte, error) {
				ms, wrapped := wraps(ttl)
				if wrapped {
					ms = time.Hour
				}
				v, err := w.m.UpdateTimeout(ctx, k, ms)
				if err == nil && wrapped {
					_, err = w.m.Remove(ctx, k) // the value is returned, the key is gone
				}
				return v, err
			}
		},
		mustFail: []string{
			"TTL range keeps a value Set with a TTL near the top of time.Duration",
			"TTL range keeps the values SetMany stores with a TTL near the top of time.Duration",
			"TTL range returns the value and keeps the key when UpdateTimeout gives a TTL near the top of time.Duration",
			"TTL range keeps values stored with a TTL near the top of time.Duration as time passes",
		},
	}, brokenCase{
		// Reports remaining TTLs rounded up to whole seconds by adding 1s-1ns
		// first (a careless conversion of a seconds-resolution backend's reply),
		// which wraps negative near the top of time.Duration.
		name: "ttl-reader-wraps-huge-ttls",
		breakIt: func(w *wrapper) {
			w.getWithTTL = func(ctx context.Context, k string) ([]byte, time.Duration, error) {
				v, ttl, err := w.m.GetWithTTL(ctx, k)
				if ttl > 0 {
					ttl = (ttl + time.Second - 1) / time.Second * time.Second
				}
				return v, ttl, err
			}
		},
		mustFail: []string{
			"TTL range keeps a value Set with a TTL near the top of time.Duration",
			"TTL range keeps the values SetMany stores with a TTL near the top of time.Duration",
			"TTL range returns the value and keeps the key when UpdateTimeout gives a TTL near the top of time.Duration",
		},
	})
}
