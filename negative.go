package strata

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/internal/fastpath"
)

// ErrCachedAbsence is what Get and GetOrSet return (inside a *KeyError naming the
// key) for a key cached as absent: a GetOrSet loader reported ErrNotFound for it less
// than Options.NegativeTTL ago. It wraps ErrNotFound, so code that handles a miss
// handles it too; errors.Is(err, ErrCachedAbsence) tells the two apart.
var ErrCachedAbsence = fmt.Errorf("%w (cached absence)", ErrNotFound)

// AbsenceMark starts the reserved key under which a Cache with Options.NegativeTTL
// records that a key is absent: key K of a Cache with prefix P is recorded as absent
// under P + AbsenceMark + K, beside (never instead of) the key P + K that holds K's
// value. Its first byte, 0xFF, never occurs in UTF-8 text. A Cache with NegativeTTL
// refuses keys that start with AbsenceMark (ErrInvalidKey), so no value is ever
// stored under an absence's key.
const AbsenceMark = "\xffabsent:"

// absenceValue is what an absence's key holds. The key alone says "absent"; the
// bytes are checked too, so that a value some other writer left under a reserved
// key is not read as an absence.
var absenceValue = []byte("absent")

// negative is a Cache's negative caching (nil when Options.NegativeTTL is off).
type negative struct {
	ttl    time.Duration
	prefix string // the Cache's
	// lookup: Get reads the absence's key after a miss of the value's key. When it
	// is false, Get reads both keys together (see pairView) and finds nothing more
	// to look up after a miss.
	lookup bool
}

// negativeFor returns the negative caching of a Cache over a, or nil when ttl is
// off. Over an in-process adapter (one with a fastpath) Get reads the value's key
// first and the absence's only after a miss, so that a hit costs what it costs
// without negative caching; over any other adapter.Batcher it reads both in one
// GetMany, one round trip (see pairView).
func negativeFor(a adapter.Adapter, ttl time.Duration, prefix string) *negative {
	if ttl <= 0 {
		return nil
	}
	n := &negative{ttl: ttl, prefix: prefix, lookup: true}
	_, viewer := a.(fastpath.Viewer)
	_, memo := a.(fastpath.Memoizer)
	if _, ok := a.(adapter.Batcher); ok && !viewer && !memo {
		n.lookup = false
	}
	return n
}

// key returns the key recording that the value's key full is absent, and false when
// that key would be longer than MaxKeyLen: such a key's absence is never cached.
func (n *negative) key(full string) (string, bool) {
	if len(full)+len(AbsenceMark) > MaxKeyLen {
		return "", false
	}
	return n.prefix + AbsenceMark + full[len(n.prefix):], true
}

// keys returns the absence keys of the value keys full (those that have one).
func (n *negative) keys(full []string) []string {
	out := make([]string, 0, len(full))
	for _, f := range full {
		if k, ok := n.key(f); ok {
			out = append(out, k)
		}
	}
	return out
}

// reserved returns an error wrapping ErrInvalidKey when key is in the space
// absences are recorded in.
func reserved(key string) error {
	if strings.HasPrefix(key, AbsenceMark) {
		return fmt.Errorf("%w: keys starting with strata.AbsenceMark are reserved for cached absences (Options.NegativeTTL)", ErrInvalidKey)
	}
	return nil
}

// absent reports whether full is recorded as absent. A failure to read the record
// counts as no record: the caller already has a miss to return.
func (n *negative) absent(ctx context.Context, a adapter.Adapter, full string) bool {
	k, ok := n.key(full)
	if !ok {
		return false
	}
	b, err := a.Get(ctx, k)
	return err == nil && bytes.Equal(b, absenceValue)
}

// missed returns the error Get returns for the driver's error err about full: the
// caller's key named, and a miss turned into ErrCachedAbsence when full is recorded
// as absent.
func (c *Cache[V]) missed(ctx context.Context, err error, full, key string) error {
	if c.neg != nil && c.neg.lookup && errors.Is(err, ErrNotFound) && c.neg.absent(ctx, c.a, full) {
		return &KeyError{Key: key, Err: ErrCachedAbsence}
	}
	return c.callerKey(err, full, key)
}

// storeAbsence records full as absent for NegativeTTL. With replace it first removes
// what full holds (bytes GetOrSet could not read), which would otherwise hide the
// absence.
func (c *Cache[V]) storeAbsence(ctx context.Context, full string, replace bool) error {
	k, ok := c.neg.key(full)
	if !ok {
		return nil
	}
	if err := c.ready(ctx); err != nil {
		return err
	}
	if replace {
		if _, err := c.a.Remove(ctx, full); err != nil {
			return err
		}
	}
	return c.a.Set(ctx, k, absenceValue, c.neg.ttl)
}

// clearAbsences removes the absence records of the value keys full, before a value
// is stored under them or they are removed: a value outliving its TTL must not
// uncover an absence recorded before it.
func (c *Cache[V]) clearAbsences(ctx context.Context, full []string) error {
	if ks := c.neg.keys(full); len(ks) > 0 {
		_, err := c.a.Remove(ctx, ks...)
		return err
	}
	return nil
}

// pairView is the fastpath.Viewer a Cache with negative caching reads through over
// an adapter.Batcher without a fastpath of its own (drivers/redis): each Get reads
// the value's key and its absence's key in one GetMany, one round trip, so that an
// absence costs no second one. The bytes it lends are GetMany's, the Cache's own,
// so any codec may decode them.
type pairView struct {
	a   adapter.Adapter
	b   adapter.Batcher
	neg *negative
}

// View calls fn with full's value; it returns an error wrapping ErrCachedAbsence
// (naming full) when there is none and full is recorded as absent.
func (p pairView) View(ctx context.Context, full string, fn func([]byte) error) error {
	k, ok := p.neg.key(full)
	if !ok {
		b, err := p.a.Get(ctx, full)
		if err != nil {
			return err
		}
		return fn(b)
	}
	got, err := p.b.GetMany(ctx, []string{full, k})
	if err != nil {
		var be *BatchError
		if !errors.As(err, &be) || got == nil {
			return err
		}
		if e, ok := be.Errs[full]; ok {
			return e // the value's own failure; a failed absence read is no record
		}
	}
	if b, ok := got[full]; ok {
		return fn(b)
	}
	if bytes.Equal(got[k], absenceValue) {
		return &KeyError{Key: full, Err: ErrCachedAbsence}
	}
	return adapter.NotFound(full)
}
