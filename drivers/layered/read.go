package layered

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stratacache/strata/adapter"
)

// Get returns the value under key. While L1 is served (see Healthy) an L1 hit is
// returned without asking L2. On a miss, or while L1 is bypassed, it reads L2; when
// L2 is an adapter.TTLReader the value is then stored in L1 for the shorter of its
// remaining TTL in L2 and L1TTL (L2 without TTLReader: L1 is not back-filled). If L2
// fails, the error is returned, or L1's copy with Options.ServeStaleOnL2Error.
func (a *Adapter) Get(ctx context.Context, key string) ([]byte, error) {
	if err := a.begin(ctx); err != nil {
		return nil, err
	}
	if a.healthy.Load() {
		if v, err := a.l1.Get(ctx, key); err == nil {
			a.l1Hit()
			return v, nil
		}
		a.l1Miss()
	}
	v, _, err := a.readThrough(ctx, key)
	return v, err
}

// View calls fn with the value under key (see fastpath.Viewer), read as Get reads it.
// An L1 hit lends fn L1's bytes when L1 implements fastpath.Viewer (drivers/memory
// does), without a copy; a value read from L2 is passed as L2 returned it. fn is
// called at most once, and its error is returned as it is. Unlike Get, an L1 failure
// other than a miss (with drivers/memory as L1: only a done ctx) is returned rather
// than answered from L2, since it cannot be told from fn's error.
func (a *Adapter) View(ctx context.Context, key string, fn func(value []byte) error) error {
	if err := a.begin(ctx); err != nil {
		return err
	}
	if a.healthy.Load() {
		if a.l1v != nil {
			if err := a.l1v.View(ctx, key, fn); !errors.Is(err, adapter.ErrNotFound) {
				a.l1Hit()  // an L1 failure cannot be told from fn's error
				return err // a hit (fn's result) or an L1 failure
			}
		} else if v, err := a.l1.Get(ctx, key); err == nil {
			a.l1Hit()
			return fn(v)
		}
		a.l1Miss()
	}
	v, _, err := a.readThrough(ctx, key)
	if err != nil {
		return err
	}
	return fn(v)
}

// GetMemo returns the decoded value under key (see fastpath.Memoizer), read as Get
// reads it. An L1 hit returns the value L1 keeps beside its bytes when L1 implements
// fastpath.Memoizer (drivers/memory does), which decodes and keeps it on the first
// hit; a value read from L2 is decoded and not kept (L1 keeps it on its next hit).
// As with View, an L1 failure other than a miss is returned rather than answered
// from L2.
func (a *Adapter) GetMemo(ctx context.Context, key string, tag any, decode func(value []byte) (any, error)) (any, error) {
	if err := a.begin(ctx); err != nil {
		return nil, err
	}
	if a.healthy.Load() {
		if a.l1m != nil {
			if v, err := a.l1m.GetMemo(ctx, key, tag, decode); !errors.Is(err, adapter.ErrNotFound) {
				a.l1Hit()     // an L1 failure too, as in View
				return v, err // a hit, decode's error or an L1 failure
			}
		} else if b, err := a.l1.Get(ctx, key); err == nil {
			a.l1Hit()
			return decode(b)
		}
		a.l1Miss()
	}
	b, _, err := a.readThrough(ctx, key)
	if err != nil {
		return nil, err
	}
	return decode(b)
}

// GetWithTTL returns the value under key and its remaining time to live in L2
// (adapter.NoExpiration for none). It always asks L2, which knows the TTL (L1 only
// knows its own, shorter one), and back-fills L1 as Get does. L2 must implement
// adapter.TTLReader; otherwise the error wraps errors.ErrUnsupported. With
// Options.ServeStaleOnL2Error, a failing L2 is answered from L1 with L1's TTL.
func (a *Adapter) GetWithTTL(ctx context.Context, key string) ([]byte, time.Duration, error) {
	if err := a.begin(ctx); err != nil {
		return nil, 0, err
	}
	if a.l2ttl == nil {
		return nil, 0, fmt.Errorf("strata/layered: GetWithTTL: L2 (%T) does not implement adapter.TTLReader: %w", a.l2, errors.ErrUnsupported)
	}
	return a.readThrough(ctx, key)
}

// readThrough reads key from L2 and back-fills L1 (see Get).
func (a *Adapter) readThrough(ctx context.Context, key string) ([]byte, time.Duration, error) {
	i := a.stripeOf(key)
	s := a.snap(i)
	fill := a.l2ttl != nil && a.mayFill()
	start := a.now()
	var (
		v   []byte
		rem time.Duration
		err error
	)
	if a.l2ttl != nil {
		v, rem, err = a.l2ttl.GetWithTTL(ctx, key)
	} else {
		v, err = a.l2.Get(ctx, key)
	}
	if err != nil {
		return a.readFailed(ctx, key, err)
	}
	a.l2Read(true)
	if fill {
		a.fill(ctx, i, s, key, v, a.l1TTLFor(rem, a.since(start)))
	}
	return v, rem, nil
}

// readFailed handles L2's error err on a read of key.
func (a *Adapter) readFailed(ctx context.Context, key string, err error) ([]byte, time.Duration, error) {
	if errors.Is(err, adapter.ErrNotFound) {
		a.l2Read(false)
		if a.serveStale && !a.healthy.Load() {
			a.drop(ctx, key) // L1 keeps a fallback copy: L2 says there is nothing
		}
		return nil, 0, err
	}
	a.l2Failed(ctx, err)
	if a.staleOK(ctx, err) {
		if r, ok := a.l1.(adapter.TTLReader); ok {
			if v, ttl, e := r.GetWithTTL(l1ctx(ctx), key); e == nil {
				a.l1Hit()
				return v, ttl, nil
			}
		} else if v, e := a.l1.Get(l1ctx(ctx), key); e == nil {
			a.l1Hit()
			return v, a.l1TTL, nil
		}
		a.l1Miss()
	}
	return nil, 0, err
}

// GetMany returns the values of the keys that exist; misses are omitted. While L1 is
// served, the keys L1 holds come from it and the others from L2 in one batch
// (adapter.Batcher, or one Get per key); otherwise all come from L2. The keys read
// from L2 are back-filled into L1 only when L2 implements ManyTTLReader, since their
// remaining TTLs must be known (drivers/redis and drivers/memory do not: there, L1 is
// filled by Get and by writes). If L2 fails, the error is returned; with
// Options.ServeStaleOnL2Error, L1's copies are returned instead when L1 holds every
// key L2 was asked for, if the error is an outage (as for Get). When L2's batch
// reads some keys and names the others in an *adapter.BatchError (a WRONGTYPE
// reply, say), GetMany returns the values it has with that error, each key's error
// being what Get returns for it (with ServeStaleOnL2Error, a key whose error is an
// outage is answered from L1 when L1 has it).
func (a *Adapter) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	if err := a.begin(ctx); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	missing := keys
	if a.healthy.Load() && len(keys) > 0 {
		if hits, err := a.l1GetMany(ctx, keys); err == nil {
			out = hits
			missing = missing[:0:0]
			for _, k := range keys {
				if _, ok := out[k]; !ok {
					missing = append(missing, k)
				}
			}
		}
		a.l1Lookups(len(keys), len(keys)-len(missing))
	}
	if len(missing) == 0 {
		return out, nil
	}

	var snaps []snapshot
	if a.l2many != nil && a.mayFill() {
		snaps = make([]snapshot, len(missing))
		for j, k := range missing {
			snaps[j] = a.snap(a.stripeOf(k))
		}
	}
	start := a.now()
	var (
		vals map[string][]byte
		ttls map[string]time.Duration
		err  error
	)
	switch {
	case snaps != nil:
		vals, ttls, err = a.l2many.GetManyWithTTL(ctx, missing)
	case a.l2b != nil:
		vals, err = a.l2b.GetMany(ctx, missing)
	default:
		vals, err = getEach(ctx, a.l2, missing)
	}
	if err != nil {
		a.l2Failed(ctx, err)
		var be *adapter.BatchError
		if !errors.As(err, &be) || vals == nil { // nothing was read
			if a.staleOK(ctx, err) {
				if stale, e := a.l1GetMany(l1ctx(ctx), missing); e == nil && hasAll(stale, missing) {
					a.l1Lookups(len(missing), len(missing))
					for k, v := range stale {
						out[k] = v
					}
					return out, nil
				}
				a.l1Lookups(len(missing), 0) // all or nothing: none was served
			}
			return nil, err
		}
		a.l2Batch(missing, vals, be.Errs)
		err = a.staleBatch(ctx, err, be, out) // vals are valid; be names the other keys
	} else {
		a.l2Batch(missing, vals, nil)
	}
	for k, v := range vals {
		out[k] = v
	}
	if snaps != nil {
		elapsed := a.since(start)
		for j, k := range missing {
			if v, ok := vals[k]; ok {
				if ttl, ok := ttls[k]; ok {
					a.fill(ctx, a.stripeOf(k), snaps[j], k, v, a.l1TTLFor(ttl, elapsed))
				}
			}
		}
	}
	return out, err
}

// staleBatch handles a GetMany whose L2 batch read some keys and failed for those
// be names (err wraps be). With Options.ServeStaleOnL2Error, a key whose own error
// allows it (see staleOK) is answered with L1's copy, if L1 has one, in out. It
// returns the error for the keys left: err itself if none was answered from L1.
func (a *Adapter) staleBatch(ctx context.Context, err error, be *adapter.BatchError, out map[string][]byte) error {
	if !a.serveStale {
		return err
	}
	rest := make(map[string]error, len(be.Errs))
	for k, e := range be.Errs {
		if a.staleOK(ctx, e) {
			if v, e1 := a.l1.Get(l1ctx(ctx), k); e1 == nil {
				a.l1Hit()
				out[k] = v
				continue
			}
			a.l1Miss()
		}
		rest[k] = e
	}
	switch len(rest) {
	case len(be.Errs):
		return err
	case 0:
		return nil
	}
	return &adapter.BatchError{Errs: rest}
}

// staleOK reports whether a read that L2 answered with err may fall back to L1's
// copy: with Options.ServeStaleOnL2Error, when err means L2 is unavailable (see
// failure), or when the caller's deadline passed while L2 was already known to be
// failing (a hung L2 answers nothing before the deadline, and the driver reports
// the deadline, not an outage). A miss, a reply about the request (WRONGTYPE,
// NOPERM: L2 is up and said no) or a cancelled ctx never falls back.
func (a *Adapter) staleOK(ctx context.Context, err error) bool {
	if !a.serveStale {
		return false
	}
	if failure(ctx, err) {
		return true
	}
	// err is checked too: L2 may report its deadline a moment before ctx's timer
	// fires and ctx.Err() turns non-nil.
	deadline := errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)
	return !a.healthy.Load() && deadline && !errors.Is(err, adapter.ErrNotFound)
}

func hasAll(m map[string][]byte, keys []string) bool {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

func (a *Adapter) l1GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	if a.l1b != nil {
		return a.l1b.GetMany(ctx, keys)
	}
	return getEach(ctx, a.l1, keys)
}

// getEach is GetMany for an adapter without batches. As a Batcher's GetMany, it
// returns what it could read and an *adapter.BatchError naming the keys it could
// not; an outage, Close or the end of ctx fails the whole call, since every other
// key would fail the same way.
func getEach(ctx context.Context, ad adapter.Adapter, keys []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(keys))
	var failed map[string]error
	for _, k := range keys {
		v, err := ad.Get(ctx, k)
		switch {
		case err == nil:
			out[k] = v
		case errors.Is(err, adapter.ErrNotFound):
		case errors.Is(err, adapter.ErrUnavailable) || errors.Is(err, adapter.ErrClosed) || ctx.Err() != nil:
			return nil, err
		default:
			if failed == nil {
				failed = make(map[string]error)
			}
			failed[k] = err
		}
	}
	if failed != nil {
		return out, &adapter.BatchError{Errs: failed}
	}
	return out, nil
}
