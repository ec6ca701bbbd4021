package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
)

// Options configures an Adapter. The zero value (or a nil *Options) is valid: no
// prefix, no grace, Clear refused.
type Options struct {
	// Prefix is prepended to every key the adapter stores,
	// e.g. "app:". It is the namespace Clear works in, and follows DefaultChannelPrefix
	// in the default invalidation channel's name. A strata.Cache's Options.Prefix
	// comes after it: the key stored is Prefix + the cache's prefix + the key. It
	// does not count against adapter.MaxKeyLen. On a
	// Cluster, a prefix with a hashtag such as "{app}:" puts every key on one slot
	// (so batches are single commands, but one node holds everything).
	Prefix string

	// Grace is how long after its expiry a key can still be revived by
	// UpdateTimeout. With Grace > 0 keys live ttl+Grace in Redis and every value
	// carries a 9-byte header with its logical expiry (see the package doc); every
	// adapter sharing the keys must use the same setting. 0 (the default) stores
	// values exactly as given, with native Redis TTLs.
	Grace time.Duration

	// AllowClearWithoutPrefix lets Clear(ctx, "") run with an empty Prefix, removing
	// every key of the database (still by SCAN and UNLINK, never FLUSHDB). Without
	// it, Clear(ctx, "") on an adapter without a prefix returns
	// ErrClearWithoutPrefix; a Clear with a non-empty prefix argument always runs.
	AllowClearWithoutPrefix bool

	// InvalidationChannel is the pub/sub channel Publish and Subscribe use; ""
	// means DefaultChannelPrefix + Prefix, followed, for an adapter opened from a
	// URL by strata.Open, by the cache's Options.Prefix (see Open).
	InvalidationChannel string

	// AutoPipeline sends single-key commands (GET, SET, GETEX, one-key UNLINK,
	// and GetWithTTL's GET+PTTL) that overlap with many other calls of the
	// adapter in shared pipelines, one per round trip, which raises throughput
	// under many goroutines (figures in docs/redis.md); identical reads of a key
	// in one pipeline are sent once. While at most two calls per CPU are in
	// flight, each runs directly, so the latency of serial and lightly concurrent
	// callers is unchanged.
	// Deadlines are honoured as without it, and a command whose caller gave up
	// while it waited for a pipeline is never sent. Off by default for New; Open
	// turns it on unless the URL says autopipeline=false. See autopipe.go for the
	// details.
	AutoPipeline bool

	// Logger receives the adapter's events (a subscription lost and restored, a
	// Cluster topology reload, the circuit breaker opening and closing) and
	// go-redis's own log lines (see the package doc), with the client's passwords
	// removed. nil discards them: nothing is ever written to stderr.
	Logger *slog.Logger

	// Breaker configures the circuit breaker that makes calls fail at once while
	// the server is down (see BreakerOptions and the package doc); the zero value
	// turns it on with the defaults. URL breaker_threshold= and breaker_probe=.
	Breaker BreakerOptions

	// Clock is the clock the adapter reads for the expiry decisions it makes
	// itself: with Grace, the logical expiry a value's header carries, which Get,
	// GetMany, GetWithTTL and GetStale compare with it, and the "now" the
	// UpdateTimeout and Remove scripts get. nil means the wall clock (time.Now).
	// Keys without Grace expire by Redis' own TTLs, on the server's clock: a test
	// that fakes time gives the server the same clock (miniredis: ClockTTL and
	// SetTime; see docs/testing.md), so that keys expire exactly when the test
	// advances it. Deadlines, timeouts and the circuit breaker always use the real
	// clock. A URL cannot set it.
	Clock adapter.Clock
}

// DefaultChannelPrefix starts the default invalidation channel name, which is
// followed by Options.Prefix (and, when opened by strata.Open, the cache's prefix).
const DefaultChannelPrefix = "strata:invalidate:"

// ErrClearWithoutPrefix is returned by Clear(ctx, "") on an adapter without a Prefix
// unless Options.AllowClearWithoutPrefix is set: without a namespace, Clear would
// remove every key of the database, including other applications' keys.
var ErrClearWithoutPrefix = errors.New("strata/redis: Clear refused: the adapter has no prefix, so it would " +
	"remove every key in the database; set Options.Prefix (URL prefix=) or, to really clear everything, " +
	"Options.AllowClearWithoutPrefix (URL allow_clear_without_prefix=true)")

type topology int

const (
	standalone topology = iota // one node, or a Sentinel-managed master: multi-key commands work
	cluster                    // Redis Cluster: multi-key commands only within a slot
	ring                       // go-redis Ring: client-side sharding, one key per command
)

// Adapter is Strata's Redis driver: an adapter.Adapter over a go-redis
// UniversalClient (standalone, Sentinel or Cluster). It implements
// adapter.Batcher, adapter.Pinger, adapter.Clearer, adapter.TTLReader and
// adapter.Invalidator, and is safe for concurrent use.
type Adapter struct {
	client  goredis.UniversalClient
	owned   bool // created by Open: Close closes it
	topo    topology
	cluster *goredis.ClusterClient // when topo == cluster
	ring    *goredis.Ring          // when topo == ring

	prefix   string
	grace    time.Duration
	graceMS  int64
	clock    adapter.Clock // Options.Clock; nil: the wall clock (see nowMS)
	clearAll bool
	channel  string
	id       [idLen]byte
	idHex    string

	closed atomic.Bool
	mu     sync.Mutex
	subs   map[*subscription]struct{}

	autoPipe *autoPipe // nil unless Options.AutoPipeline

	bulk  atomic.Pointer[bulkLimit] // the server's proto-max-bulk-len, see oversize.go
	bound time.Duration             // the deadline of calls without one, see bound.go

	log *slog.Logger // Options.Logger, redacted; nil: no events

	brk *breaker // nil when Options.Breaker turns it off, see breaker.go

	counts eventCounts // Report's counters, see report.go
}

// Compile-time checks of every capability the Adapter offers.
var (
	_ adapter.Adapter     = (*Adapter)(nil)
	_ adapter.Batcher     = (*Adapter)(nil)
	_ adapter.Pinger      = (*Adapter)(nil)
	_ adapter.Clearer     = (*Adapter)(nil)
	_ adapter.TTLReader   = (*Adapter)(nil)
	_ adapter.Invalidator = (*Adapter)(nil)
)

// New wraps client, which stays the caller's: Close never closes it. A nil opts
// means the defaults. New does no I/O; call Ping to check the connection.
//
// Create the client with ContextTimeoutEnabled: true (clients made by Open have
// it), so that go-redis bounds each network wait by the ctx's deadline; without it
// only ReadTimeout and WriteTimeout bound them. Either way, go-redis does not watch
// for cancellation: a ctx cancelled while a call waits on the server ends that call
// at its deadline or ReadTimeout (the error then wraps context.Canceled); a ctx
// that has already ended is refused before any I/O.
func New(client goredis.UniversalClient, opts *Options) (*Adapter, error) {
	return newAdapter(client, opts, false)
}

func newAdapter(client goredis.UniversalClient, opts *Options, owned bool) (*Adapter, error) {
	if client == nil {
		return nil, errors.New("strata/redis: New needs a go-redis client, got nil")
	}
	if opts == nil {
		opts = &Options{}
	}
	if opts.Grace < 0 {
		return nil, fmt.Errorf("strata/redis: Options.Grace is %v; want 0 (no revival) or a positive duration", opts.Grace)
	}
	a := &Adapter{
		client:   client,
		owned:    owned,
		prefix:   opts.Prefix,
		grace:    opts.Grace,
		graceMS:  ms(opts.Grace),
		clearAll: opts.AllowClearWithoutPrefix,
		channel:  opts.InvalidationChannel,
		subs:     make(map[*subscription]struct{}),
		clock:    opts.Clock,
	}
	if opts.Grace == 0 {
		a.graceMS = 0
	}
	var err error
	settings := settingsOf(client)
	a.log = redacted(opts.Logger, settings.password)
	quietGoRedis(a.log)
	if a.channel == "" {
		a.channel = DefaultChannelPrefix + a.prefix
	}
	a.bound = settings.callBound()
	if a.brk, err = newBreaker(opts.Breaker, a.probeServer, a.log); err != nil {
		return nil, err
	}
	if opts.AutoPipeline {
		a.autoPipe = newAutoPipe(client, a.bound)
	}
	switch c := client.(type) {
	case *goredis.ClusterClient:
		a.topo, a.cluster = cluster, c
	case *goredis.Ring:
		a.topo, a.ring = ring, c
	}
	if _, err := rand.Read(a.id[:]); err != nil {
		return nil, fmt.Errorf("strata/redis: instance id: %w", err)
	}
	a.idHex = hex.EncodeToString(a.id[:])
	return a, nil
}

// Client returns the go-redis client underneath, for commands Strata does not
// wrap. Do not close it if the adapter came from Open.
func (a *Adapter) Client() goredis.UniversalClient { return a.client }

// Prefix returns the adapter's key prefix (Options.Prefix).
func (a *Adapter) Prefix() string { return a.prefix }

// Grace returns the revival window (Options.Grace).
func (a *Adapter) Grace() time.Duration { return a.grace }

// Close stops every subscription (waiting for their goroutines) and, if the adapter
// created its client (Open), closes it. A client passed to New stays open. Later
// calls return adapter.ErrClosed; closing twice is not an error.
func (a *Adapter) Close() error {
	if a.closed.Swap(true) {
		return nil
	}
	a.mu.Lock()
	subs := make([]*subscription, 0, len(a.subs))
	for s := range a.subs {
		subs = append(subs, s)
	}
	a.mu.Unlock()
	for _, s := range subs {
		s.stop()
	}
	if a.autoPipe != nil {
		a.autoPipe.close()
	}
	var err error
	if a.owned {
		if e := a.client.Close(); e != nil && !errors.Is(e, goredis.ErrClosed) {
			err = fmt.Errorf("strata/redis: close: %w", e)
		}
	}
	a.brk.close() // after the client's Close, which ends a probe in flight at once
	return err
}

// full returns key with the prefix. The prefix does not count against
// adapter.MaxKeyLen (Redis itself takes keys up to 512MB).
func (a *Adapter) full(key string) string {
	if a.prefix == "" {
		return key
	}
	return a.prefix + key
}

// fullKeys returns keys prefixed.
func (a *Adapter) fullKeys(keys []string) []string {
	if a.prefix == "" {
		return keys
	}
	// One allocation for all the prefixed keys: they are substrings of one string.
	n := 0
	for _, k := range keys {
		n += len(a.prefix) + len(k)
	}
	var b strings.Builder
	b.Grow(n)
	for _, k := range keys {
		b.WriteString(a.prefix)
		b.WriteString(k)
	}
	all := b.String()
	out := make([]string, len(keys))
	for i, k := range keys {
		end := len(a.prefix) + len(k)
		out[i], all = all[:end], all[end:]
	}
	return out
}

// begin runs the checks every single-key call starts with (Close, ctx, then the
// breaker: see start) and returns key with the prefix.
func (a *Adapter) begin(ctx context.Context, key string) (string, error) {
	if err := a.start(ctx); err != nil {
		if errors.Is(err, adapter.ErrUnavailable) {
			return "", &adapter.KeyError{Key: key, Err: err}
		}
		return "", err
	}
	return a.full(key), nil
}

// fail turns a go-redis error on key into Strata's: redis.Nil becomes NotFound,
// a closed client ErrClosed, and an error after ctx ended wraps ctx's error.
func (a *Adapter) fail(ctx context.Context, op, key string, err error) error {
	if errors.Is(err, goredis.Nil) {
		return adapter.NotFound(key)
	}
	err = a.wrap(ctx, op, err)
	if key == "" {
		return err
	}
	return &adapter.KeyError{Key: key, Err: err}
}

// wrap names op in err and makes ctx's end, a closed client and an outage
// (adapter.ErrUnavailable, see connectionClass) recognisable.
func (a *Adapter) wrap(ctx context.Context, op string, err error) error {
	if a.closed.Load() {
		return fmt.Errorf("strata/redis: %s: %w", op, adapter.ErrClosed)
	}
	if errors.Is(err, goredis.ErrClosed) {
		return fmt.Errorf("strata/redis: %s: %w: the go-redis client was closed (%w)", op, adapter.ErrClosed, err)
	}
	a.reloadAfter(err)
	if cerr := ctxEnded(ctx); cerr != nil {
		if errors.Is(err, cerr) {
			return fmt.Errorf("strata/redis: %s: %w", op, err)
		}
		return fmt.Errorf("strata/redis: %s: %w (%w)", op, cerr, err)
	}
	if connectionClass(err) {
		a.brk.note(err)
		return fmt.Errorf("strata/redis: %s: %w: %w", op, adapter.ErrUnavailable, err)
	}
	return fmt.Errorf("strata/redis: %s: %w", op, err)
}

// ctxEnded is ctx.Err(), or context.DeadlineExceeded once ctx's deadline has
// passed even if ctx's timer has not fired yet. go-redis sets the socket deadline
// to ctx's deadline, so a read can time out a moment before ctx.Err() turns
// non-nil (more so on a loaded machine): the caller should still see the
// deadline it set, not a bare "i/o timeout".
func ctxEnded(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// reloadAfter asks a Cluster client to reload its slot map after an error that
// may mean the topology changed. go-redis routes a dead master's slots to it
// until ClusterStateReloadInterval has passed (60s by default since v9.22), even
// when a replica took over seconds ago: a connection error does not trigger a
// reload (redis/go-redis#3979). ReloadState is asynchronous and coalesced, so a
// burst of errors costs about one CLUSTER SLOTS. An error reply from a live
// node (NOPERM, WRONGTYPE, ...) says nothing about the map, except CLUSTERDOWN.
func (a *Adapter) reloadAfter(err error) {
	if a.topo != cluster {
		return
	}
	var reply goredis.Error
	if errors.As(err, &reply) && !goredis.HasErrorPrefix(err, "CLUSTERDOWN") {
		return
	}
	a.cluster.ReloadState(context.Background())
}

// Get returns the value under key with one GET, or an error wrapping
// adapter.ErrNotFound. With grace, a value past its logical expiry is a miss.
func (a *Adapter) Get(ctx context.Context, key string) (_ []byte, err error) {
	full, err := a.begin(ctx, key)
	if err != nil {
		return nil, err
	}
	defer a.settle(&err)
	b, err := a.get(ctx, full)
	if err != nil {
		return nil, a.fail(ctx, "GET", key, err)
	}
	if a.grace > 0 {
		return unwrap(key, b, a.nowMS())
	}
	return b, nil
}

// Set stores value under key with one SET (PX ttl, or no expiry for
// adapter.NoExpiration). With grace, Redis keeps the key ttl+grace and the value
// carries its logical expiry. A value larger than the server accepts fails with
// an error wrapping ErrTooLarge that names the key (see the package doc).
func (a *Adapter) Set(ctx context.Context, key string, value []byte, ttl time.Duration) (err error) {
	full, err := a.begin(ctx, key)
	if err != nil {
		return err
	}
	defer a.settle(&err)
	cmd := a.setCmd(ctx, full, value, ttl, a.nowMS())
	if n := a.argLen(full, value); n > safeBulk {
		return a.setBig(ctx, key, full, cmd, n) // never in a shared batch: see oversize.go
	}
	if err := a.process(ctx, cmd); err != nil {
		return a.fail(ctx, "SET", key, err)
	}
	return nil
}

// setCmd builds the SET of value under the prefixed key full.
func (a *Adapter) setCmd(ctx context.Context, full string, value []byte, ttl time.Duration, now int64) *goredis.StatusCmd {
	expiry, keepMS := a.expiryFor(now, ttl)
	value = a.setValue(value, expiry)
	if keepMS > 0 {
		return goredis.NewStatusCmd(ctx, "set", full, value, "px", keepMS)
	}
	return goredis.NewStatusCmd(ctx, "set", full, value)
}

// setValue returns what a SET stores for value: value itself, or with grace value
// behind a header carrying expiry.
func (a *Adapter) setValue(value []byte, expiry int64) []byte {
	if a.grace > 0 {
		return withHeader(value, expiry)
	}
	if value == nil {
		return []byte{} // go-redis would write a nil []byte as "" too; be explicit
	}
	return value
}

// Remove deletes keys with one UNLINK (on a Cluster, one per hash slot, pipelined
// to every node in parallel) and reports whether every distinct key existed. With
// grace, a script does the same and does not count keys past their logical expiry.
func (a *Adapter) Remove(ctx context.Context, keys ...string) (_ bool, err error) {
	if err := a.start(ctx); err != nil {
		return false, err
	}
	defer a.settle(&err) // before bd.end's, so that it runs after it
	full := dedupe(a.fullKeys(keys))
	if len(full) == 0 {
		return true, nil
	}
	if len(full) > 1 || a.grace > 0 { // pipelines or scripts, not one command
		var bd bounded
		ctx, bd = a.bounded(ctx, "Remove")
		defer bd.end(&err)
	}
	n, err := a.remove(ctx, full)
	if err != nil {
		if len(keys) == 1 {
			return false, a.fail(ctx, "UNLINK", keys[0], err)
		}
		return false, a.wrap(ctx, "UNLINK", err)
	}
	return n == int64(len(full)), nil
}

// dedupe returns keys without repeats, in first-seen order.
func dedupe(keys []string) []string {
	if len(keys) < 2 {
		return keys
	}
	if len(keys) == 2 {
		if keys[0] == keys[1] {
			return keys[:1]
		}
		return keys
	}
	seen := make(map[string]struct{}, len(keys))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if _, dup := seen[k]; !dup {
			seen[k] = struct{}{}
			out = append(out, k)
		}
	}
	return out
}

// UpdateTimeout sets key's expiry to now+ttl (none for adapter.NoExpiration) and
// returns its value, atomically in one round trip: GETEX PX / GETEX PERSIST without
// grace, a Lua script with grace (which also revives a key that expired less than
// grace ago).
func (a *Adapter) UpdateTimeout(ctx context.Context, key string, ttl time.Duration) (_ []byte, err error) {
	full, err := a.begin(ctx, key)
	if err != nil {
		return nil, err
	}
	defer a.settle(&err)
	if a.grace == 0 {
		_, keepMS := a.expiryFor(a.nowMS(), ttl)
		b, err := a.getEx(ctx, full, keepMS)
		if err != nil {
			return nil, a.fail(ctx, "GETEX", key, err)
		}
		return b, nil
	}
	// EVALSHA, then EVAL after NOSCRIPT: more than one command, so bounded.
	ctx, bd := a.bounded(ctx, "UpdateTimeout")
	defer bd.end(&err)
	res, err := updateScript.Run(ctx, a.client, []string{full}, a.updateArgs(a.nowMS(), ttl)...).Result()
	if err != nil {
		return nil, a.fail(ctx, "UpdateTimeout script", key, err)
	}
	switch v := res.(type) {
	case string:
		return []byte(v), nil
	case int64:
		return nil, &adapter.KeyError{Key: key, Err: errNoHeader}
	default:
		return nil, &adapter.KeyError{Key: key, Err: fmt.Errorf("strata/redis: UpdateTimeout script returned %T", res)}
	}
}

// GetWithTTL returns the value under key and its remaining time to live
// (adapter.NoExpiration when it has none) in one round trip: GET and PTTL
// pipelined, or just GET with grace, whose header holds the expiry.
func (a *Adapter) GetWithTTL(ctx context.Context, key string) (_ []byte, _ time.Duration, err error) {
	full, err := a.begin(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	defer a.settle(&err)
	if a.grace > 0 {
		b, err := a.get(ctx, full)
		if err != nil {
			return nil, 0, a.fail(ctx, "GET", key, err)
		}
		now := a.nowMS()
		payload, err := unwrap(key, b, now)
		if err != nil {
			return nil, 0, err
		}
		expiry, _, _ := parseHeader(b)
		if expiry == 0 {
			return payload, adapter.NoExpiration, nil
		}
		return payload, durationMS(expiry - now), nil
	}
	get := goredis.NewStringCmd(ctx, "get", full)
	// PTTL as a plain integer: go-redis's DurationCmd multiplies by 1ms and
	// wraps negative for a TTL near 292 years.
	pttl := goredis.NewIntCmd(ctx, "pttl", full)
	if err := a.processPair(ctx, "GetWithTTL", get, pttl); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, 0, a.fail(ctx, "GET+PTTL", key, err)
	}
	b, err := get.Bytes()
	if err != nil {
		return nil, 0, a.fail(ctx, "GET", key, err)
	}
	switch d := pttl.Val(); {
	case d == -1:
		return b, adapter.NoExpiration, nil
	case d < 0:
		return nil, 0, adapter.NotFound(key) // expired between GET and PTTL
	default:
		return b, durationMS(d), nil
	}
}

// Ping checks that the server answers (on a Cluster, every master).
func (a *Adapter) Ping(ctx context.Context) (err error) {
	if err := a.start(ctx); err != nil {
		return err
	}
	defer a.settle(&err) // before bd.end's, so that it runs after it
	ctx, bd := a.bounded(ctx, "Ping")
	defer bd.end(&err)
	switch a.topo {
	case cluster:
		err = a.cluster.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error {
			return c.Ping(ctx).Err()
		})
	default:
		err = a.client.Ping(ctx).Err()
	}
	if err != nil {
		return a.wrap(ctx, "PING", err)
	}
	return nil
}
