package strata

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/internal/clone"
	"github.com/stratacache/strata/internal/fastpath"
	"github.com/stratacache/strata/serializer"
)

// Options configures a Cache. The zero value (or a nil *Options) gives the defaults.
type Options[V any] struct {
	// Codec turns values into bytes and back; nil means serializer.Default[V](),
	// read when New is called. Use serializer.Raw for data other languages share.
	Codec serializer.Codec[V]
	// DefaultTTL is used when a call passes DefaultTTL; 0 means StandardTTL (5 minutes)
	// and NoExpiration makes values live until removed.
	DefaultTTL time.Duration
	// Prefix is prepended to every key, e.g. "users:". Keys are validated before it is
	// added, so "" is still an invalid key.
	Prefix string
	// LoadTimeout bounds each GetOrSet loader call; 0 means no bound beyond the
	// loader's own.
	LoadTimeout time.Duration
	// DecodeEveryHit turns off keeping decoded values in an in-process adapter
	// (see fastpath.Memoizer): every hit then decodes the stored bytes again. Leave it off
	// unless V's decoding has side effects the cache must repeat.
	DecodeEveryHit bool
	// FailurePolicy says what GetOrSet does when the cache fails: the default,
	// LoadOnCacheError, calls the loader and returns its value; ReturnCacheError
	// returns the cache's error. Other calls always return cache errors.
	FailurePolicy FailurePolicy
	// OnError, when set, is told about every cache failure GetOrSet carries on from
	// instead of returning it: op is OpRead, OpDecode or OpStore, key the caller's
	// key, err the cache's error. It is called on the goroutine of the caller or of
	// the load, before the GetOrSet calls concerned return, once per failed read
	// (each caller's) and once per failed store: a hook for logs and counters. It
	// must be safe for concurrent use and quick, and must not panic or call the
	// Cache's GetOrSet (a load may be waiting for it to return).
	OnError func(op, key string, err error)
	// NegativeTTL, when positive, turns on negative caching: a GetOrSet loader
	// returning an error that wraps ErrNotFound makes the Cache record the key as
	// absent for NegativeTTL, and until then Get and GetOrSet answer
	// ErrCachedAbsence without calling the loader (see Cache.GetOrSet for the
	// record, its cost and its rules). 0 (the default) or less turns it off.
	NegativeTTL time.Duration

	// MeterProvider, when set, receives the Cache's OpenTelemetry metrics: hits,
	// misses, sets, errors by class, loads, latency histograms, and what the driver
	// reports of its own (layers, invalidations, breaker, memory); the table in
	// docs/observability.md lists them. Counters are read when the provider
	// collects, so a hit costs an atomic add, not a metrics call; over an
	// in-process driver one call in 128 is timed. Give each Cache on one provider
	// its own Name. Close stops the reporting.
	MeterProvider metric.MeterProvider
	// TracerProvider, when set, makes a span of every Cache call (strata.Get,
	// strata.GetOrSet, ...), a child of the span in the call's ctx; a GetOrSet
	// loader's ctx carries its call's span. Spans name keys only with TraceKeys.
	TracerProvider trace.TracerProvider
	// Name is the "cache" attribute of the Cache's metrics and spans; "" means
	// Prefix, or "default" without one.
	Name string
	// TraceKeys records the keys of each call on its span (strata.key,
	// strata.keys), and the messages of errors, which name keys. Off by default:
	// keys may be personal data, and traces often travel further than logs.
	TraceKeys bool
	// CountStats keeps the counters Stats reports without a MeterProvider (which
	// keeps them anyway). Without either, Stats reports only the driver's own
	// counts, and counting costs nothing.
	CountStats bool
}

// Cache is the typed cache users hold: it encodes values with a codec, namespaces keys
// with a prefix, resolves DefaultTTL, and adds single-flight GetOrSet and batches over
// any adapter.Adapter. It is safe for concurrent use.
type Cache[V any] struct {
	a           adapter.Adapter
	batcher     adapter.Batcher // nil when a does not implement it
	memo        *memoState[V]   // nil unless Get may read through a's fastpath.Memoizer (see memoFor)
	viewer      fastpath.Viewer // nil unless a implements it and codec copies (see viewerFor)
	views       sync.Pool       // *viewState[V], for Get through viewer
	codec       serializer.Codec[V]
	defaultTTL  time.Duration
	prefix      string
	loadTimeout time.Duration
	policy      FailurePolicy
	onError     func(op, key string, err error)
	neg         *negative // nil unless Options.NegativeTTL is on
	obs         *observer // nil unless Options turn on metrics, traces or CountStats

	closed atomic.Bool // set by Close: every later call returns ErrClosed without calling the driver

	// life ends when Close is called: it cancels GetOrSet loads in flight.
	life    context.Context
	end     context.CancelFunc
	clone   func(V) V // deep copy for GetOrSet waiters; nil when assignment copies or V cannot be copied
	cloneOK bool      // V can be copied by clone (or by assignment when clone is nil)

	mu     sync.Mutex
	flight map[string]*call[V] // GetOrSet loads in progress, by full key
	// landed counts the loads that have ended, so that a load can tell whether
	// another one may have stored its key since its first read (see await).
	landed atomic.Uint64
}

// New wraps a in a typed Cache. A nil opts means the defaults. Closing the Cache
// closes a.
func New[V any](a adapter.Adapter, opts *Options[V]) *Cache[V] {
	if opts == nil {
		opts = &Options[V]{}
	}
	if a == nil {
		a = noAdapter{}
	}
	c := &Cache[V]{
		a:           a,
		codec:       opts.Codec,
		defaultTTL:  opts.DefaultTTL,
		prefix:      opts.Prefix,
		loadTimeout: opts.LoadTimeout,
		policy:      opts.FailurePolicy,
		onError:     opts.OnError,
		flight:      make(map[string]*call[V]),
	}
	c.life, c.end = context.WithCancel(context.Background())
	c.clone, c.cloneOK = clone.For[V]()
	c.batcher, _ = a.(adapter.Batcher)
	if c.codec == nil {
		c.codec = serializer.Default[V]()
	}
	c.memo = memoFor(a, c.codec, opts.DecodeEveryHit)
	c.viewer = viewerFor(a, c.codec)
	if c.neg = negativeFor(a, opts.NegativeTTL, c.prefix); c.neg != nil && !c.neg.lookup {
		c.viewer = pairView{a: a, b: c.batcher, neg: c.neg}
	}
	if c.defaultTTL == 0 {
		c.defaultTTL = StandardTTL
	}
	c.obs = newObserver(a, observeConfig{meters: opts.MeterProvider, tracers: opts.TracerProvider,
		name: observedName(opts.Name, c.prefix), traceKeys: opts.TraceKeys, countStats: opts.CountStats})
	return c
}

// adapter.Adapter returns the driver underneath, for its optional capabilities
// (e.g. a.(adapter.Clearer)).
func (c *Cache[V]) Adapter() adapter.Adapter { return c.a }

// Close closes the adapter underneath and cancels the GetOrSet loads in flight.
// Every later call returns ErrClosed: the Cache answers it itself, whatever the
// driver would say.
func (c *Cache[V]) Close() error {
	c.closed.Store(true)
	c.end()
	if c.obs != nil {
		c.obs.close()
	}
	return c.a.Close()
}

// ready returns ErrClosed after Close, and ctx's error once ctx has ended. Every
// call checks it first, so drivers never see the calls of a closed cache or a dead
// context, and a call that fails it changes nothing.
func (c *Cache[V]) ready(ctx context.Context) error {
	if c.closed.Load() {
		return ErrClosed
	}
	if ctx.Err() != nil {
		return adapter.CheckContext(ctx)
	}
	return nil
}

// Get returns the value under key, or an error wrapping ErrNotFound when there is none
// (the Python original's fail=True; ErrCachedAbsence too when the key is cached as
// absent, see Options.NegativeTTL), or ErrCodec when the stored bytes cannot be
// decoded by this cache's codec. A backend failure is returned as it is, whatever
// Options.FailurePolicy says.
func (c *Cache[V]) Get(ctx context.Context, key string) (V, error) {
	if c.obs != nil {
		return c.getObserved(ctx, key)
	}
	if err := c.ready(ctx); err != nil {
		var zero V
		return zero, err
	}
	full, err := c.fullKey(key)
	if err != nil {
		var zero V
		return zero, err
	}
	if c.memo != nil {
		return c.getMemo(ctx, key, full)
	}
	if c.viewer != nil {
		return c.getView(ctx, key, full)
	}
	b, err := c.a.Get(ctx, full)
	if err != nil {
		var zero V
		return zero, c.missed(ctx, err, full, key)
	}
	return c.decode(key, b)
}

// get is Get's read of the checked key (full: with the prefix), for GetOrSet. Get
// spells it out itself, so that a hit costs no further call.
func (c *Cache[V]) get(ctx context.Context, key, full string) (V, error) {
	if c.memo != nil {
		return c.getMemo(ctx, key, full)
	}
	if c.viewer != nil {
		return c.getView(ctx, key, full)
	}
	b, err := c.a.Get(ctx, full)
	if err != nil {
		var zero V
		return zero, c.missed(ctx, err, full, key)
	}
	return c.decode(key, b)
}

// GetOrDefault returns the value under key, or def when there is none (the Python
// original's default=). Other failures, such as a backend that is down, are returned.
func (c *Cache[V]) GetOrDefault(ctx context.Context, key string, def V) (V, error) {
	v, err := c.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return def, nil
	}
	return v, err
}

// Set stores v under key for ttl: a positive duration, DefaultTTL for the cache's
// default, or NoExpiration. With Options.NegativeTTL it also removes the key's
// absence record, first.
func (c *Cache[V]) Set(ctx context.Context, key string, v V, ttl time.Duration) error {
	if c.obs != nil {
		return c.setObserved(ctx, key, v, ttl)
	}
	_, err := c.set(ctx, key, v, ttl, true)
	return err
}

// set is Set, returning the encoded value too (nil when the value was not encoded).
// clear says whether to remove key's absence record (with negative caching on)
// before storing: GetOrSet stores without, having just found none.
func (c *Cache[V]) set(ctx context.Context, key string, v V, ttl time.Duration, clear bool) ([]byte, error) {
	if err := c.ready(ctx); err != nil {
		return nil, err
	}
	full, err := c.fullKey(key)
	if err != nil {
		return nil, err
	}
	if ttl, err = c.resolveTTL(ttl); err != nil {
		return nil, err
	}
	b, err := c.encode(key, v)
	if err != nil {
		return nil, err
	}
	if clear && c.neg != nil {
		if err := c.clearAbsences(ctx, []string{full}); err != nil {
			return b, err
		}
	}
	return b, c.callerKey(c.a.Set(ctx, full, b, ttl), full, key)
}

// Remove deletes keys and reports whether every distinct one existed. Removing no keys
// reports true. With Options.NegativeTTL it removes the keys' absence records too
// (first, in a call of their own); a key recorded as absent did not exist.
func (c *Cache[V]) Remove(ctx context.Context, keys ...string) (bool, error) {
	if c.obs != nil {
		return c.removeObserved(ctx, keys)
	}
	return c.remove(ctx, keys)
}

func (c *Cache[V]) remove(ctx context.Context, keys []string) (bool, error) {
	if err := c.ready(ctx); err != nil {
		return false, err
	}
	if len(keys) == 0 {
		return true, nil
	}
	full, err := c.fullKeys(keys)
	if err != nil {
		return false, err
	}
	if c.neg != nil {
		if err := c.clearAbsences(ctx, full); err != nil {
			return false, err
		}
	}
	return c.a.Remove(ctx, full...)
}

// UpdateTimeout sets key's expiry to now+ttl (DefaultTTL and NoExpiration allowed) and
// returns its value. A key that expired within the driver's grace period is revived.
func (c *Cache[V]) UpdateTimeout(ctx context.Context, key string, ttl time.Duration) (V, error) {
	if c.obs != nil {
		return c.updateTimeoutObserved(ctx, key, ttl)
	}
	return c.updateTimeout(ctx, key, ttl)
}

func (c *Cache[V]) updateTimeout(ctx context.Context, key string, ttl time.Duration) (V, error) {
	var zero V
	if err := c.ready(ctx); err != nil {
		return zero, err
	}
	full, err := c.fullKey(key)
	if err != nil {
		return zero, err
	}
	if ttl, err = c.resolveTTL(ttl); err != nil {
		return zero, err
	}
	b, err := c.a.UpdateTimeout(ctx, full, ttl)
	if err != nil {
		return zero, c.callerKey(err, full, key)
	}
	return c.decode(key, b)
}

// fullKey checks key and returns it with the cache's prefix: what the driver is given.
func (c *Cache[V]) fullKey(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if c.neg != nil {
		if err := reserved(key); err != nil {
			return "", err
		}
	}
	return c.prefixed(key)
}

// prefixed returns the checked key with the cache's prefix, or an error wrapping
// ErrInvalidKey when the two together are longer than MaxKeyLen.
func (c *Cache[V]) prefixed(key string) (string, error) {
	if c.prefix == "" {
		return key, nil
	}
	if len(c.prefix)+len(key) > adapter.MaxKeyLen {
		return "", fmt.Errorf("%w: key is %d bytes, and with the %d-byte prefix more than %d",
			ErrInvalidKey, len(key), len(c.prefix), adapter.MaxKeyLen)
	}
	return c.prefix + key, nil
}

// callerKey returns the driver's err for the prefixed key full as the error for
// the caller's key: a miss names "42", not "users:42".
func (c *Cache[V]) callerKey(err error, full, key string) error {
	if err == nil || c.prefix == "" {
		return err
	}
	var ke *KeyError
	if errors.As(err, &ke) && ke == err && ke.Key == full {
		return &KeyError{Key: key, Err: ke.Err}
	}
	return err
}

// fullKeys is fullKey for every key, in a new slice (a driver may keep or reorder
// what it is given; the caller's slice stays the caller's).
func (c *Cache[V]) fullKeys(keys []string) ([]string, error) {
	if err := checkKeys(keys); err != nil {
		return nil, err
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		if c.neg != nil {
			if err := reserved(k); err != nil {
				return nil, err
			}
		}
		f, err := c.prefixed(k)
		if err != nil {
			return nil, err
		}
		full[i] = f
	}
	return full, nil
}

// resolveTTL returns the ttl the driver is given: the cache's default for
// DefaultTTL, else ttl itself once checked.
func (c *Cache[V]) resolveTTL(ttl time.Duration) (time.Duration, error) {
	if ttl == DefaultTTL {
		if c.defaultTTL < 0 && c.defaultTTL != NoExpiration {
			return 0, fmt.Errorf("%w: Options.DefaultTTL is %v", ErrInvalidTTL, c.defaultTTL)
		}
		return c.defaultTTL, nil
	}
	if err := checkTTL(ttl); err != nil {
		return 0, err
	}
	return ttl, nil
}

func (c *Cache[V]) encode(key string, v V) ([]byte, error) {
	b, err := c.codec.Marshal(v)
	if err != nil {
		return nil, &KeyError{Key: key, Err: err}
	}
	return b, nil
}

func (c *Cache[V]) decode(key string, b []byte) (V, error) {
	v, err := c.codec.Unmarshal(b)
	if err != nil {
		return v, &KeyError{Key: key, Err: err}
	}
	return v, nil
}
