package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"                  //nolint:revive // the Ginkgo DSL reads best dot-imported
	"github.com/onsi/ginkgo/v2/extensions/globals" // Run resets Ginkgo's suite
	. "github.com/onsi/gomega"                     //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/serializer"
)

// DefaultUnit is the time unit specs use when Harness.Unit is zero: TTLs in the
// suite are small multiples of it (typically 2 to 6 units) and waits for expiry are
// bounded by much larger ones.
const DefaultUnit = 50 * time.Millisecond

// DefaultSpecTimeout bounds each spec when Harness.SpecTimeout is zero, so a driver
// that hangs (for instance by ignoring a cancelled context) fails one spec instead of
// stalling the whole suite.
const DefaultSpecTimeout = 2 * time.Minute

// Harness tells the suite how to obtain the driver under test and what to expect of
// it. Only New is required.
type Harness struct {
	// New returns a fresh, empty, open adapter. It is called once per spec and the
	// suite closes what it returns. Adapters it returns may share a backend (such as
	// one Redis server) as long as their keys are what the specs write: every spec
	// uses a random key prefix. If the adapter implements adapter.Clearer, give each
	// one its own namespace (for instance a random driver-level prefix): the Clearer
	// specs empty it, and while they run Serial within one ginkgo run, other test
	// binaries may be using the same server at the same time. ctx bounds the
	// construction only and ends when the spec's setup does, so do not tie the
	// adapter's lifetime to it.
	New func(ctx context.Context) (adapter.Adapter, error)

	// Grace is the revival window the adapters New returns are configured with (the
	// driver's Options.Grace): UpdateTimeout must revive a key that expired less
	// than Grace ago. Zero means no revival, and the suite then checks that an
	// expired key is never revived. Keep it short but at least a few Units: 300ms
	// works well with the default Unit. The spec that checks a key is not revived
	// past the window sleeps through it, and a revival spec that could not call
	// UpdateTimeout within the window on a very slow machine is inconclusive and
	// runs again (and fails, with advice to raise Unit, after three tries).
	Grace time.Duration

	// MayEvict says the adapter is bounded and may drop values under pressure or
	// contention (like a ristretto-based cache). The specs stay far below any sane
	// capacity, so they still expect what they write to be readable; only the final
	// checks of the concurrency specs, which write much more, then accept a key that
	// has vanished (a key that is present must still hold the right value).
	MayEvict bool

	// Unit scales every TTL and wait in the suite; zero means DefaultUnit (50ms).
	// Raise it for a slow or remote backend whose round trips approach the default.
	// The spec that checks a TTL is not rounded up to whole seconds is skipped when
	// Unit exceeds 150ms, since it must tell 2 Units from a whole second.
	Unit time.Duration

	// SpecTimeout bounds each spec; zero means DefaultSpecTimeout.
	SpecTimeout time.Duration

	// Advance, when set, moves a fake clock forward by d: the clock a backend such
	// as miniredis expires keys by, shared with the adapter (the drivers'
	// Options.Clock). The specs wait for TTLs in real time, so while a spec runs the
	// suite calls Advance every Unit/5, from a goroutine of its own, with the real
	// time passed since its previous call: the fake clock keeps pace with the waits.
	// It must be safe to call while the adapter is in use. nil means the backend
	// runs on the real clock.
	Advance func(d time.Duration)

	// scope, set by Check only, is the key prefix every spec's keys live under on a
	// real server that may hold other programs' keys: see suite.clearer.
	scope string
}

// DescribeAdapter declares the conformance specs for the adapters h.New returns, in
// a top-level Ginkgo container named name (labelled "conformance"). Call it at the
// top level of a test file, as in var _ = conformance.DescribeAdapter(...), or
// before RunSpecs; it may be called several times, for instance once per
// configuration of the same driver. It returns true, as Ginkgo's Describe does.
func DescribeAdapter(name string, h Harness) bool {
	RegisterFailHandler(Fail)
	s := newSuite(h)
	return Describe(name, Label("conformance"), func() {
		BeforeEach(func(ctx SpecContext) {
			Expect(h.New).NotTo(BeNil(), "conformance.Harness.New is nil")
			a, err := h.New(ctx)
			Expect(err).NotTo(HaveOccurred(), "conformance.Harness.New failed")
			Expect(a).NotTo(BeNil(), "conformance.Harness.New returned a nil adapter")
			s.a = a
			s.pfx = s.h.scope + randomPrefix()
			DeferCleanup(func() {
				// Several specs close the adapter themselves: closing twice must work.
				Expect(a.Close()).To(Succeed(), "closing the adapter after the spec (possibly a second time)")
			})
			if h.Advance != nil {
				DeferCleanup(s.keepPace(h.Advance))
			}
		})

		s.describeGet()
		s.describeSet()
		s.describeTTL()
		s.describeTTLRange()
		s.describeRemove()
		s.describeUpdateTimeout()
		s.describeGetOrSet()
		s.describeBatches()
		s.describeKeys()
		s.describeCodecs()
		s.describeClosed()
		s.describeCloseUnderTraffic()
		s.describeContext()
		s.describeCapabilities()
		s.describeStale()
		s.describeViewer()
		s.describeMemoizer()
		s.describeConcurrency()
	})
}

// RunSuite runs the conformance specs for h from a plain go test, in a Ginkgo suite
// of its own: Run with one harness.
func RunSuite(t *testing.T, name string, h Harness) {
	t.Helper()
	Run(t, name+" conformance", Named{Name: name, Harness: h})
}

// Named is a harness and the name its specs are reported under, for Run.
type Named struct {
	Name    string
	Harness Harness
}

// Run runs the conformance specs for every harness (several configurations of one
// driver, say) in one Ginkgo suite titled title. It starts from an empty Ginkgo
// suite each time, so a test that calls it runs again under go test -count=N; specs
// declared at package level beside it are not run (declare those with
// DescribeAdapter and call RunSpecs yourself instead, once per process).
func Run(t *testing.T, title string, harnesses ...Named) {
	t.Helper()
	globals.Reset() // Ginkgo refuses a second RunSpecs on the suite it has run
	for _, n := range harnesses {
		DescribeAdapter(n.Name, n.Harness)
	}
	RegisterFailHandler(Fail)
	defer hideTestCount()()
	RunSpecs(t, title)
}

// hideTestCount sets go test's -count flag to 1 until the returned function
// restores it. RunSpecs exits the process when -count is not 1, to stop a suite
// from running twice on state left by the first run; Run starts from a fresh suite
// each time, so a repeated run is sound. The testing package reads -count only
// between runs of the whole test list, after this test has restored it.
func hideTestCount() (restore func()) {
	f := flag.Lookup("test.count")
	if f == nil || f.Value.String() == "1" {
		return func() {}
	}
	n := f.Value.String()
	_ = f.Value.Set("1")
	return func() { _ = f.Value.Set(n) }
}

// suite holds the harness and the state of the spec being run: Ginkgo runs the
// specs of one process one at a time, so a single value per DescribeAdapter call is
// enough.
type suite struct {
	h    Harness
	u    time.Duration // the time unit
	poll time.Duration // how often Eventually and Consistently poll

	a   adapter.Adapter // the current spec's fresh adapter
	pfx string          // the current spec's random key prefix
}

func newSuite(h Harness) *suite {
	s := &suite{h: h, u: h.Unit}
	if s.u <= 0 {
		s.u = DefaultUnit
	}
	s.poll = max(s.u/5, time.Millisecond)
	if s.h.SpecTimeout <= 0 {
		s.h.SpecTimeout = DefaultSpecTimeout
	}
	return s
}

// it declares a spec whose body gets a context that ends with the spec timeout.
func (s *suite) it(text string, body func(ctx SpecContext), decorators ...any) bool {
	run := func(ctx SpecContext) {
		var reasons []string
		for range timedAttempts {
			reason, done := runAttempt(ctx, body)
			if done {
				return
			}
			reasons = append(reasons, reason)
		}
		Fail(fmt.Sprintf("inconclusive %d times in a row, so the machine or backend is too slow "+
			"for Harness.Unit %v (raise it): %s", timedAttempts, s.u, strings.Join(reasons, "; ")))
	}
	args := append([]any{run, SpecTimeout(s.h.SpecTimeout)}, decorators...)
	return It(text, args...)
}

// timedAttempts is how often a spec runs when a timed check was inconclusive (the
// machine stalled past a TTL before the spec could look), before it fails.
const timedAttempts = 3

// inconclusive is what a timed check panics with when it cannot tell a correct
// adapter from a broken one because the spec itself ran too late; s.it then runs
// the spec again. Real failures are never retried.
type inconclusive struct{ reason string }

// runAttempt runs body once, reporting whether it finished; a spec that ended in
// inconclusive reports the reason instead. Ginkgo's own failures pass through.
func runAttempt(ctx SpecContext, body func(SpecContext)) (reason string, done bool) {
	defer func() {
		if r := recover(); r != nil {
			inc, ok := r.(inconclusive)
			if !ok {
				panic(r)
			}
			reason, done = inc.reason, false
		}
	}()
	body(ctx)
	return "", true
}

// keepPace calls advance every poll interval with the real time passed since its
// previous call (see Harness.Advance), until the returned stop is called, which
// waits for its goroutine to end.
func (s *suite) keepPace(advance func(time.Duration)) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		defer GinkgoRecover() // a panicking Advance fails the spec
		t := time.NewTicker(s.poll)
		defer t.Stop()
		last := time.Now()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				now := time.Now()
				advance(now.Sub(last))
				last = now
			}
		}
	}()
	return func() { close(quit); <-done }
}

// randomPrefix returns a key prefix no other spec, process or run will use.
func randomPrefix() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "strata-conformance:" + hex.EncodeToString(b[:]) + ":"
}

// key returns name under the spec's prefix, for direct Adapter calls.
func (s *suite) key(name string) string { return s.pfx + name }

// keys returns names under the spec's prefix.
func (s *suite) keys(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = s.key(n)
	}
	return out
}

// str returns a Cache[string] over the spec's adapter using serializer.Raw and the
// spec's prefix, unless opts says otherwise.
func (s *suite) str(opts *strata.Options[string]) *strata.Cache[string] {
	o := strata.Options[string]{}
	if opts != nil {
		o = *opts
	}
	if o.Prefix == "" {
		o.Prefix = s.pfx
	}
	if o.Codec == nil {
		o.Codec = serializer.Raw[string]()
	}
	return strata.New(s.a, &o)
}

// strTTL returns a Cache[string] whose default TTL is ttl.
func (s *suite) strTTL(ttl time.Duration) *strata.Cache[string] {
	return s.str(&strata.Options[string]{DefaultTTL: ttl})
}

// bytes returns a Cache[[]byte] using serializer.Raw and the spec's prefix.
func (s *suite) bytes() *strata.Cache[[]byte] {
	return strata.New(s.a, &strata.Options[[]byte]{Prefix: s.pfx, Codec: serializer.Raw[[]byte]()})
}

// rec returns a Cache[record] with the default codec (or codec, when not nil) and
// the spec's prefix.
func (s *suite) rec(codec serializer.Codec[record]) *strata.Cache[record] {
	return strata.New(s.a, &strata.Options[record]{Prefix: s.pfx, Codec: codec})
}

// record is the struct the typed specs store.
type record struct {
	Name  string
	Count int64
	Score float64
	Tags  []string
	Attrs map[string]string
}

func sampleRecord(i int) record {
	return record{
		Name:  fmt.Sprintf("record %d: ünïcödé ✓", i),
		Count: int64(i) * 1_000_003,
		Score: float64(i) + 0.25,
		Tags:  []string{"a", "b", fmt.Sprint(i)},
		Attrs: map[string]string{"k": "v", "n": fmt.Sprint(i)},
	}
}

// unencodable is a struct the JSON codec cannot encode when Bad holds a channel.
type unencodable struct {
	Name string
	Bad  any `json:",omitempty"`
}

// patience bounds how long a spec waits for a key stored with ttl to disappear.
func (s *suite) patience(ttl time.Duration) time.Duration {
	return ttl + 2*time.Second + 40*s.u
}

// eventuallyMissing waits until get reports ErrNotFound, within patience(ttl).
func (s *suite) eventuallyMissing(ctx context.Context, ttl time.Duration, get func() error, what ...any) {
	GinkgoHelper()
	Eventually(ctx, get).WithTimeout(s.patience(ttl)).WithPolling(s.poll).
		Should(MatchError(adapter.ErrNotFound), what...)
}

// gone waits until c no longer has key, within patience(ttl).
func gone[V any](ctx context.Context, s *suite, c *strata.Cache[V], key string, ttl time.Duration) {
	GinkgoHelper()
	s.eventuallyMissing(ctx, ttl, func() error {
		_, err := c.Get(ctx, key)
		return err
	}, "key %q should expire (ttl %v)", key, ttl)
}

// expectAlive asserts that err, from reading a key stored at start for ttl, is nil.
// When the read found nothing but happened so late that the key may really have
// expired, the machine was too slow for the spec to tell: the spec runs again (see
// suite.it), and fails if that keeps happening.
func (s *suite) expectAlive(start time.Time, ttl time.Duration, err error, what ...any) {
	GinkgoHelper()
	if errors.Is(err, adapter.ErrNotFound) {
		if late := time.Since(start); late >= ttl {
			panic(inconclusive{fmt.Sprintf("%v passed before a key with ttl %v could be read", late, ttl)})
		}
	}
	Expect(err).NotTo(HaveOccurred(), what...)
}

// sleepUntil waits until t or until ctx ends.
func sleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// cancelled returns a context that is already cancelled.
func cancelled(ctx context.Context) context.Context {
	c, cancel := context.WithCancel(ctx)
	cancel()
	return c
}

// expired returns a context whose deadline has passed.
func expired(ctx context.Context) context.Context {
	c, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	DeferCleanup(cancel)
	return c
}

// capability returns the spec's adapter as the optional capability C, or skips the
// spec: a driver need not offer every capability, but what it offers must conform.
func capability[C any](s *suite, name string) C {
	GinkgoHelper()
	c, ok := s.a.(C)
	if !ok {
		Skip("the adapter does not implement adapter." + name)
	}
	return c
}

func (s *suite) batcher() adapter.Batcher     { return capability[adapter.Batcher](s, "Batcher") }
func (s *suite) pinger() adapter.Pinger       { return capability[adapter.Pinger](s, "Pinger") }
func (s *suite) ttlReader() adapter.TTLReader { return capability[adapter.TTLReader](s, "TTLReader") }

// clearer returns the adapter's Clearer, or skips the spec. Under Check (a scope
// is set) it is confined to the spec's own prefix: a clear of everything ("")
// clears the spec's prefix instead, since the adapter's whole namespace on a real
// server may hold keys the checker did not write.
func (s *suite) clearer() adapter.Clearer {
	cl := capability[adapter.Clearer](s, "Clearer")
	if s.h.scope == "" {
		return cl
	}
	return scopedClearer{cl: cl, pfx: s.pfx}
}

// scopedClearer is a Clearer that clears nothing outside pfx.
type scopedClearer struct {
	cl  adapter.Clearer
	pfx string
}

func (c scopedClearer) Clear(ctx context.Context, prefix string) error {
	if prefix == "" {
		prefix = c.pfx
	}
	if !strings.HasPrefix(prefix, c.pfx) {
		Fail(fmt.Sprintf("the spec asked to clear %q, outside its own prefix %q: under Check it may not", prefix, c.pfx))
	}
	return c.cl.Clear(ctx, prefix)
}

// result is what a GetOrSet call returned, for specs that collect them.
type result struct {
	V   string
	Err error
}

// mustNotLoad is a GetOrSet loader for specs where loading is a failure.
func mustNotLoad[V any](context.Context) (V, error) {
	defer GinkgoRecover()
	Fail("GetOrSet called the loader, but it should not have")
	var zero V
	return zero, nil
}

// key returns the i-th of a spec's numbered keys.
func key(i int) string { return fmt.Sprintf("key-%03d", i) }

// bare returns a Cache[string] over the spec's adapter with serializer.Raw and no
// prefix, for specs about exact key lengths (callers add the spec's prefix to keys).
func (s *suite) bare() *strata.Cache[string] {
	return strata.New(s.a, &strata.Options[string]{Codec: serializer.Raw[string]()})
}
