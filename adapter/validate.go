package adapter

import (
	"context"
	"fmt"
	"time"
)

// CheckKey returns an error wrapping ErrInvalidKey unless key is 1 to MaxKeyLen bytes.
// Drivers call it on every key they receive.
func CheckKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: key is empty", ErrInvalidKey)
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: key is %d bytes, more than %d", ErrInvalidKey, len(key), MaxKeyLen)
	}
	return nil
}

// CheckKeys applies CheckKey to every key.
func CheckKeys(keys []string) error {
	for _, k := range keys {
		if err := CheckKey(k); err != nil {
			return err
		}
	}
	return nil
}

// CheckTTL returns an error wrapping ErrInvalidTTL unless ttl is what a driver may
// receive: a positive duration or NoExpiration.
func CheckTTL(ttl time.Duration) error {
	if ttl > 0 || ttl == NoExpiration {
		return nil
	}
	if ttl == DefaultTTL {
		return fmt.Errorf("%w: DefaultTTL reached the driver; resolve it with strata.Cache", ErrInvalidTTL)
	}
	return fmt.Errorf("%w: %v", ErrInvalidTTL, ttl)
}

// CheckContext returns nil while ctx is live, and otherwise its error wrapped with a
// "strata:" prefix (errors.Is still matches context.Canceled or DeadlineExceeded).
// Drivers call it before doing any work, so a cancelled call changes nothing.
func CheckContext(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("strata: %w", err)
	}
	return nil
}
