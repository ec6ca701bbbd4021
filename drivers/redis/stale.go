package redis

import (
	"context"
	"math"

	"github.com/stratacache/strata/adapter"
)

var _ adapter.StaleReader = (*Adapter)(nil)

// GetStale returns the value under key as Get does, or, with Options.Grace, a value
// whose logical expiry passed less than Grace ago, with stale true (see
// adapter.StaleReader): Redis keeps such a key until expiry + grace. Without grace an
// expired key is gone from Redis, and GetStale is Get.
func (a *Adapter) GetStale(ctx context.Context, key string) (_ []byte, stale bool, err error) {
	full, err := a.begin(ctx, key)
	if err != nil {
		return nil, false, err
	}
	defer a.settle(&err)
	b, err := a.get(ctx, full)
	if err != nil {
		return nil, false, a.fail(ctx, "GET", key, err)
	}
	if a.grace <= 0 {
		return b, false, nil
	}
	expiry, payload, ok := parseHeader(b)
	switch {
	case !ok:
		return nil, false, &adapter.KeyError{Key: key, Err: errNoHeader}
	case expiry == 0 || expiry > a.nowMS():
		return payload, false, nil
	case expiry <= math.MaxInt64-a.graceMS && a.nowMS() < expiry+a.graceMS: // a foreign header may hold any expiry
		return payload, true, nil
	}
	return nil, false, adapter.NotFound(key)
}
