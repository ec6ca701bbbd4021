package strata

import (
	"fmt"
	"time"
)

// checkKey returns an error wrapping ErrInvalidKey unless key is 1 to MaxKeyLen
// bytes. The Cache checks each key the caller passes, once, before adding its
// prefix; drivers receive only keys that passed, and do not check them again (see
// adapter.Adapter).
func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: key is empty", ErrInvalidKey)
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: key is %d bytes, more than %d", ErrInvalidKey, len(key), MaxKeyLen)
	}
	return nil
}

// checkKeys applies checkKey to every key.
func checkKeys(keys []string) error {
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return err
		}
	}
	return nil
}

// checkTTL returns an error wrapping ErrInvalidTTL unless ttl is what a driver may
// receive: a positive duration or NoExpiration. The Cache resolves DefaultTTL before
// checking.
func checkTTL(ttl time.Duration) error {
	if ttl > 0 || ttl == NoExpiration {
		return nil
	}
	return fmt.Errorf("%w: %v", ErrInvalidTTL, ttl)
}
