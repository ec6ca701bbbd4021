package layered

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stratacache/strata/adapter"
)

// Set stores value under key for ttl: in L2 first, then in L1 (for the shorter of
// ttl and L1TTL), then it publishes the change when L2 is an adapter.Invalidator. If
// L2 fails, its error is returned and key is dropped from L1, so L1 is never newer
// than L2. If only the announcement fails, the value is stored and the error wraps
// ErrNotAnnounced.
func (a *Adapter) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := a.begin(ctx); err != nil {
		return err
	}
	keys := []string{key}
	var t ticket
	a.beginWrite(&t, keys...)
	start := a.now()
	if err := a.l2.Set(ctx, key, value, ttl); err != nil {
		a.endWrite(ctx, &t, keys, nil, 0, false)
		a.writeFailed(ctx, err, keys...)
		return err
	}
	a.endWrite(ctx, &t, keys, map[string][]byte{key: value}, a.l1TTLFor(ttl, a.since(start)), true)
	return a.publish(ctx, keys...)
}

// SetMany stores every item for ttl as Set does: in L2 (one batch if it implements
// adapter.Batcher), then L1, then one publication of all the keys.
func (a *Adapter) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	if err := a.begin(ctx); err != nil {
		return err
	}
	keys := make([]string, 0, len(items))
	for k := range items {
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil
	}
	var t ticket
	a.beginWrite(&t, keys...)
	start := a.now()
	var err error
	if a.l2b != nil {
		err = a.l2b.SetMany(ctx, items, ttl)
	} else {
		for k, v := range items {
			if err = a.l2.Set(ctx, k, v, ttl); err != nil {
				break
			}
		}
	}
	if err != nil {
		a.endWrite(ctx, &t, keys, nil, 0, false)
		a.writeFailed(ctx, err, keys...)
		return err
	}
	a.endWrite(ctx, &t, keys, items, a.l1TTLFor(ttl, a.since(start)), true)
	return a.publish(ctx, keys...)
}

// Remove deletes keys from L2, then from L1, then publishes the change, and reports
// whether every distinct key existed in L2. If L2 fails, the keys are still dropped
// from L1 and the error is returned.
func (a *Adapter) Remove(ctx context.Context, keys ...string) (bool, error) {
	if err := a.begin(ctx); err != nil {
		return false, err
	}
	if len(keys) == 0 {
		return true, nil
	}
	var t ticket
	a.beginWrite(&t, keys...)
	all, err := a.l2.Remove(ctx, keys...)
	a.endWrite(ctx, &t, keys, nil, 0, false)
	if err != nil {
		a.writeFailed(ctx, err, keys...)
		return false, err
	}
	return all, a.publish(ctx, keys...)
}

// UpdateTimeout sets key's expiry in L2 to now+ttl (none for adapter.NoExpiration)
// and returns its value. It always goes to L2, which holds the grace window: a key
// that expired less than L2's grace period ago is revived there. L1 is then refreshed
// with the returned value (for the shorter of ttl and L1TTL), and the change is
// published, since other processes' copies may now outlive a shortened TTL. A miss
// in L2 drops the key from L1.
func (a *Adapter) UpdateTimeout(ctx context.Context, key string, ttl time.Duration) ([]byte, error) {
	if err := a.begin(ctx); err != nil {
		return nil, err
	}
	keys := []string{key}
	var t ticket
	a.beginWrite(&t, keys...)
	start := a.now()
	v, err := a.l2.UpdateTimeout(ctx, key, ttl)
	if err != nil {
		a.endWrite(ctx, &t, keys, nil, 0, false)
		if !errors.Is(err, adapter.ErrNotFound) {
			a.writeFailed(ctx, err, keys...)
		}
		return nil, err
	}
	a.endWrite(ctx, &t, keys, map[string][]byte{key: v}, a.l1TTLFor(ttl, a.since(start)), true)
	return v, a.publish(ctx, keys...)
}

// Ping checks L2: its Ping when it is an adapter.Pinger, otherwise a Get of a key
// nobody uses (a miss means L2 answers).
func (a *Adapter) Ping(ctx context.Context) error {
	if err := a.begin(ctx); err != nil {
		return err
	}
	err := a.ping(ctx)
	a.l2Failed(ctx, err)
	return err
}

// Clear removes every key of L2 that starts with prefix ("" for all of L2's
// namespace; L2 must implement adapter.Clearer, otherwise the error wraps
// errors.ErrUnsupported), then drops those keys from L1, and publishes a message
// that makes every other layered adapter on the same channel drop them from its L1
// too. L1 is cleared even if L2 fails part way; the message is then re-published in
// the background, as a clear of the whole L1 (see clearMessage).
func (a *Adapter) Clear(ctx context.Context, prefix string) error {
	if err := a.begin(ctx); err != nil {
		return err
	}
	if a.l2c == nil {
		return fmt.Errorf("strata/layered: Clear: L2 (%T) does not implement adapter.Clearer: %w", a.l2, errors.ErrUnsupported)
	}
	err := a.l2c.Clear(ctx, prefix)
	a.clearL1(prefix)
	msg := clearMessage(prefix)
	if err != nil {
		a.writeFailed(ctx, err, msg...)
		return err
	}
	return a.publish(ctx, msg...)
}
