package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"                  //nolint:revive // the Ginkgo DSL reads best dot-imported
	"github.com/onsi/ginkgo/v2/extensions/globals" // Check resets Ginkgo's suite, as Run does
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/registry"
)

// CheckPrefix starts the key prefix of every Check: Check writes only under
// CheckPrefix + 16 random hex digits + ":", a prefix no other run will use.
const CheckPrefix = "strata-check:"

// DefaultProbeOps is how many timed calls of each kind (Get, Set, GetMany) Check's
// latency probe makes when CheckOptions.ProbeOps is zero: a fraction of a second
// on a local server, a few seconds at a millisecond per round trip.
const DefaultProbeOps = 1000

// DefaultCheckOpenTimeout bounds Check's first open of the URL (the connection
// check of networked drivers) when CheckOptions.OpenTimeout is zero, so that an
// unreachable server is an error within seconds, not a hang.
const DefaultCheckOpenTimeout = 30 * time.Second

// maxOpenFailures is how many specs in a row may fail to open the URL before
// Check stops the suite.
const maxOpenFailures = 3

// cleanupTimeout bounds Check's final Clear, which runs even after ctx has ended.
const cleanupTimeout = time.Minute

// ErrNotClearer is returned by Check for a driver that does not implement
// adapter.Clearer: Check removes what it wrote by prefix (never by flushing a
// database), and refuses to write to a server it could not clean up.
var ErrNotClearer = errors.New("conformance: the driver does not implement adapter.Clearer, " +
	"so the checker could not remove the keys it writes; it refuses to run")

// ErrCannotClean is returned by Check when the driver's Clear failed, or left
// behind the key Check wrote under its prefix before running anything else:
// Check refuses to write more to a server it could not clean up.
var ErrCannotClean = errors.New("conformance: the driver could not clear the checker's key prefix; " +
	"the checker refuses to write to a server it cannot clean up")

// checkMu serializes Check calls: Ginkgo holds one suite per process.
var checkMu sync.Mutex

// CheckOptions configures Check. The zero value checks a driver without grace
// period that never evicts, writes progress nowhere and probes latency with
// DefaultProbeOps calls of each kind.
type CheckOptions struct {
	// Mux opens the URL; nil means registry.DefaultMux, where drivers register
	// from init (import yours, or drivers/all, for that side effect).
	Mux *registry.Mux

	// Progress receives one line per spec as it passes or fails, then the
	// latency figures, the cleanup and the verdict; nil means nothing is written.
	// The URL's secrets never appear in it. Check writes to it from one goroutine
	// at a time.
	Progress io.Writer
	// Quiet leaves out the specs that passed: Progress gets the failures and the
	// summary only.
	Quiet bool
	// Verbose adds the skipped specs (capabilities the driver lacks), and the
	// whole failure message and its location in the suite's source for each
	// failed spec, where the default shows its first lines.
	Verbose bool

	// Focus, when not empty, runs only the specs whose name (as Progress and
	// FailedSpec show it) matches this regular expression, such as
	// "^(Remove|UpdateTimeout) "; the others count as skipped.
	Focus string

	// ProbeOps is how many calls of each kind the latency probe times: zero means
	// DefaultProbeOps, a negative number skips the probe.
	ProbeOps int

	// Grace is the revival window the URL configures (Harness.Grace). Zero means
	// detect it: the driver's Grace() time.Duration method if it has one
	// (drivers/redis does; for drivers/layered, that of its L2), else the URL's
	// grace= query parameter (drivers/memory and drivers/redis read it), else none.
	// A negative Grace means none, without detecting. Specs wait through the grace
	// period, so check with a short one (300ms) rather than a production value.
	Grace time.Duration
	// MayEvict says the driver may drop values under pressure (Harness.MayEvict),
	// as an in-process store bounded by bytes does.
	MayEvict bool
	// Unit scales the suite's TTLs and waits (Harness.Unit); zero means
	// DefaultUnit. Raise it for a server far away.
	Unit time.Duration
	// SpecTimeout bounds each spec (Harness.SpecTimeout); zero means
	// DefaultSpecTimeout.
	SpecTimeout time.Duration
	// OpenTimeout bounds Check's first open of the URL; zero means
	// DefaultCheckOpenTimeout. A driver's own bound (redis open_timeout=) may be
	// shorter.
	OpenTimeout time.Duration
}

// CheckResult is what Check found.
type CheckResult struct {
	// URL is the URL checked, with its secrets hidden (registry.Redact).
	URL string
	// Prefix is the key prefix everything Check wrote lives under.
	Prefix string
	// Grace is the revival window the specs expected, and GraceFrom says where
	// it came from (the options, the driver, the URL's grace=, or none found).
	Grace     time.Duration
	GraceFrom string

	// Passed is true when at least one spec ran, every spec that ran passed,
	// the probe's calls succeeded and the cleanup left nothing Check could find.
	Passed bool

	// SpecsPassed, SpecsSkipped and Failed count and name the specs: skipped
	// specs test a capability the driver lacks (or were not selected by Focus).
	SpecsPassed, SpecsSkipped int
	Failed                    []FailedSpec
	// Incomplete says why the suite stopped before its end (an interruption, the
	// ctx ending), or is empty.
	Incomplete string

	// Latency holds the probe's figures for Set, Get and GetMany, in that order;
	// ProbeErr is the first error a probed call returned (the probe then stops).
	Latency  []Latency
	ProbeErr error

	// Cleanup says how the final Clear of Prefix went.
	Cleanup Cleanup

	// Duration is how long Check took.
	Duration time.Duration
}

// FailedSpec names a spec that failed: Name is the behaviour it checks, e.g.
// "Remove reports false when the only key is missing".
type FailedSpec struct {
	Name string
	// Message is the failure as the suite reported it; Location is where in the
	// suite's source it failed (file:line), for reading what the spec expects.
	Message  string
	Location string
}

// Latency is the probe's figures for one kind of call, over a Cache[[]byte]
// (serializer.Raw, 128-byte values) on the driver.
type Latency struct {
	// Op is "Get", "Set" or "GetMany" (of GetManyKeys keys, one round trip on a
	// driver that implements adapter.Batcher).
	Op string
	// Ops is how many calls were timed.
	Ops int
	// P50, P99 and Max are the median, the 99th percentile and the slowest call.
	P50, P99, Max time.Duration
}

// GetManyKeys is how many keys each probed GetMany reads.
const GetManyKeys = 10

// Cleanup is how Check's final Clear of its prefix went.
type Cleanup struct {
	// Err is the Clear's error, or nil.
	Err error
	// Checked is how many keys Check knows it wrote (the probe's, and markers
	// written just before the Clear at several depths under the prefix) and read
	// back after the Clear; Remaining lists those still there. The suite's own
	// keys are random and not listed, but lie under the same prefix. A driver can
	// only tell whether a key remains, not list what is under a prefix, so an
	// outside count (DBSIZE, SCAN) is the final word.
	Checked   int
	Remaining []string
}

// Check runs the conformance suite, a short latency probe and a cleanup against
// the backend rawURL names, through the registry, so that a driver's author or an
// operator can prove a real server: a Redis deployment, or a third-party driver's
// backend. It is what the strata-check command runs; a third-party driver builds
// the same checker by importing its driver for the registration and calling Check
// (see the command's documentation).
//
// Everything Check writes lies under a random key prefix it generates (CheckPrefix
// + 16 hex digits + ":"; CheckResult.Prefix), which it also hands to the driver as
// the cache's namespace (registry.WithNamespace: drivers/redis scopes its
// invalidation channel by it). The suite's specs write under it, the specs of
// adapter.Clearer clear only their own part of it (never a whole namespace), and
// at the end Check removes it with one Clear(prefix). So Check needs a driver
// that implements adapter.Clearer, whose contract is to delete by prefix and
// never flush a database: without one it returns ErrNotClearer before writing
// anything, and it returns ErrCannotClean when a first key it wrote under the
// prefix does not go away with Clear.
//
// The suite opens a fresh adapter for every spec (about two hundred opens).
// Progress shows each spec as it passes or fails. A failed spec, a failed probe
// call or a key left behind makes CheckResult.Passed false, with a nil error;
// the error is for a check that could not run or finish (the URL does not open,
// the driver cannot be cleaned up, ctx ended): the result then holds what was
// done, and the cleanup ran if anything was written. Errors and Progress never
// show the URL's secrets.
//
// Check runs the suite through Ginkgo, outside go test as well as inside it, and
// like Run starts from an empty Ginkgo suite: calls are serialized, and it must
// not be called while another Ginkgo suite runs in the process (from a spec, or
// beside RunSpecs). It writes nothing to stdout or stderr.
func Check(ctx context.Context, rawURL string, opts CheckOptions) (res CheckResult, err error) {
	start := time.Now()
	res = CheckResult{URL: registry.Redact(rawURL), Prefix: newCheckPrefix()}
	defer func() { res.Duration = time.Since(start) }()
	p := &printer{w: opts.Progress, quiet: opts.Quiet, verbose: opts.Verbose, secrets: registry.URLSecrets(rawURL)}
	mux := opts.Mux
	if mux == nil {
		mux = registry.DefaultMux
	}
	if err := adapter.CheckContext(ctx); err != nil {
		return res, fmt.Errorf("conformance: check not started: %w", err)
	}
	var focus *regexp.Regexp
	if opts.Focus != "" {
		if focus, err = regexp.Compile(opts.Focus); err != nil {
			return res, fmt.Errorf("conformance: CheckOptions.Focus is not a regular expression: %w", err)
		}
	}
	if sc, _ := GinkgoConfiguration(); sc.ParallelTotal > 1 {
		return res, errors.New("conformance: Check cannot run in a parallel Ginkgo process (ginkgo -p): " +
			"run it from a plain go test or a program")
	}

	checkMu.Lock()
	defer checkMu.Unlock()

	// The namespace ctx carries scopes the driver's channels (and, for drivers
	// that do, anything else) to the check's prefix, as strata.Open does for a
	// Cache with that Prefix.
	nsCtx := registry.WithNamespace(ctx, res.Prefix)
	openTimeout := opts.OpenTimeout
	if openTimeout <= 0 {
		openTimeout = DefaultCheckOpenTimeout
	}
	octx, cancel := context.WithTimeout(nsCtx, openTimeout)
	a, err := mux.Open(octx, rawURL)
	cancel()
	if err != nil {
		return res, fmt.Errorf("conformance: cannot check: %w", err)
	}
	defer func() {
		if cerr := a.Close(); cerr != nil && err == nil {
			res.Passed = false
			err = fmt.Errorf("conformance: closing the checker's adapter: %w", p.scrubErr(cerr))
		}
	}()
	cl, ok := a.(adapter.Clearer)
	if !ok {
		return res, fmt.Errorf("%w (%s opens a %T)", ErrNotClearer, res.URL, a)
	}
	if err := preflight(ctx, a, cl, res.Prefix); err != nil {
		return res, p.scrubErr(err)
	}
	res.Grace, res.GraceFrom = detectGrace(opts.Grace, a, rawURL)

	p.printf("checking %s under key prefix %s (grace %v: %s)\n", res.URL, res.Prefix, res.Grace, res.GraceFrom)
	var openFailures atomic.Int32 // in a row
	h := Harness{
		New: func(sctx context.Context) (adapter.Adapter, error) {
			if err := ctx.Err(); err != nil {
				AbortSuite("the check was cancelled: " + err.Error())
			}
			a, err := mux.Open(registry.WithNamespace(sctx, res.Prefix), rawURL)
			if err == nil {
				openFailures.Store(0)
			} else if openFailures.Add(1) >= maxOpenFailures {
				// The server went away: stop rather than pay a connection check per spec.
				AbortSuite(fmt.Sprintf("%d opens in a row failed, the last with: %v", maxOpenFailures, p.scrubErr(err)))
			}
			return a, err
		},
		Grace:       max(res.Grace, 0),
		MayEvict:    opts.MayEvict,
		Unit:        opts.Unit,
		SpecTimeout: opts.SpecTimeout,
		scope:       res.Prefix,
	}
	runChecks(h, focus, p, &res)

	var known []string
	if ops := opts.ProbeOps; ops >= 0 && ctx.Err() == nil && res.Incomplete == "" {
		if ops == 0 {
			ops = DefaultProbeOps
		}
		res.Latency, known, res.ProbeErr = probe(ctx, a, res.Prefix+"probe:", ops)
		if res.ProbeErr != nil {
			res.ProbeErr = p.scrubErr(res.ProbeErr)
		}
	}
	res.Cleanup = cleanup(ctx, a, cl, res.Prefix, known)
	if res.Cleanup.Err != nil {
		res.Cleanup.Err = p.scrubErr(res.Cleanup.Err)
	}

	res.Passed = len(res.Failed) == 0 && res.Incomplete == "" && res.SpecsPassed > 0 &&
		res.ProbeErr == nil && res.Cleanup.Err == nil && len(res.Cleanup.Remaining) == 0
	res.Duration = time.Since(start)
	p.summary(&res)
	if err := ctx.Err(); err != nil {
		res.Passed = false
		return res, fmt.Errorf("conformance: the check was cancelled before it finished (the cleanup ran): %w", err)
	}
	return res, nil
}

// newCheckPrefix returns CheckPrefix and 16 random hex digits.
func newCheckPrefix() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return CheckPrefix + hex.EncodeToString(b[:]) + ":"
}

// preflight writes one key under prefix and clears prefix, to learn that the
// driver can remove what Check writes before Check writes anything more.
func preflight(ctx context.Context, a adapter.Adapter, cl adapter.Clearer, prefix string) error {
	k := prefix + "preflight"
	if err := a.Set(ctx, k, []byte("strata-check"), 10*time.Minute); err != nil {
		return fmt.Errorf("conformance: the first write failed, so the server cannot be checked: %w", err)
	}
	if err := cl.Clear(ctx, prefix); err != nil {
		_, _ = a.Remove(context.WithoutCancel(ctx), k)
		return fmt.Errorf("%w: Clear(%q): %w", ErrCannotClean, prefix, err)
	}
	switch _, err := a.Get(ctx, k); {
	case errors.Is(err, adapter.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("conformance: reading back after Clear failed: %w", err)
	}
	_, _ = a.Remove(ctx, k)
	return fmt.Errorf("%w: key %q was still there after Clear(%q)", ErrCannotClean, k, prefix)
}

// detectGrace resolves CheckOptions.Grace; see there.
func detectGrace(opt time.Duration, a adapter.Adapter, rawURL string) (time.Duration, string) {
	type graced interface{ Grace() time.Duration }
	type layered interface{ L2() adapter.Adapter }
	switch {
	case opt > 0:
		return opt, "given"
	case opt < 0:
		return 0, "given"
	}
	if g, ok := a.(graced); ok {
		return g.Grace(), "the driver's"
	}
	if l, ok := a.(layered); ok {
		if g, ok := l.L2().(graced); ok {
			return g.Grace(), "the driver's L2's"
		}
	}
	if u, err := registry.ParseURL(rawURL); err == nil {
		if q, err := url.ParseQuery(u.RawQuery); err == nil && q.Has("grace") {
			if d, err := time.ParseDuration(q.Get("grace")); err == nil && d >= 0 {
				return d, "the URL's grace="
			}
		}
	}
	return 0, "none found"
}

// checkT is the GinkgoTestingT RunSpecs reports a failed suite to outside go test.
type checkT struct{ failed bool }

// Fail records that the suite failed.
func (t *checkT) Fail() { t.failed = true }

// runChecks runs the suite for h and records each spec in res, as it ends, on p.
// It leaves Ginkgo's configuration alone (RunSpecs would keep any configuration
// passed to it for later suites in the process, conformance.Run's included): the
// one of the process applies, flags' defaults outside go test. So Focus is a
// Skip of its own.
func runChecks(h Harness, focus *regexp.Regexp, p *printer, res *CheckResult) {
	globals.Reset() // a fresh suite: Ginkgo refuses to run one twice
	if focus != nil {
		BeforeEach(func() {
			if !focus.MatchString(specName(CurrentSpecReport())) {
				Skip(notFocused)
			}
		})
	}
	DescribeAdapter("strata-check", h)
	ReportAfterEach(func(r SpecReport) {
		if r.LeafNodeType == types.NodeTypeIt {
			res.record(r, p)
		}
	})
	defer hideTestCount()()
	defer muteGinkgo()()
	var t checkT
	if !RunSpecs(&t, "strata-check") && len(res.Failed) == 0 && res.Incomplete == "" {
		res.Incomplete = "the suite did not pass but no spec failed (a suite-level failure)"
	}
}

// notFocused is the Skip message of the specs CheckOptions.Focus leaves out.
const notFocused = "not selected by CheckOptions.Focus"

// muteGinkgo points Ginkgo's default reporter (chosen by RunSpecs) and its
// warnings at io.Discard until the returned function restores them: Check
// reports through CheckOptions.Progress only.
func muteGinkgo() (restore func()) {
	out, errOut := formatter.ColorableStdOut, formatter.ColorableStdErr
	formatter.ColorableStdOut, formatter.ColorableStdErr = io.Discard, io.Discard
	return func() { formatter.ColorableStdOut, formatter.ColorableStdErr = out, errOut }
}

// record counts one finished spec and prints it.
func (res *CheckResult) record(r SpecReport, p *printer) {
	name := specName(r)
	switch {
	case r.State == types.SpecStateInterrupted || r.State == types.SpecStateAborted:
		// Stopped from outside (an interrupt, ctx ending): no verdict on the driver.
		res.Incomplete = fmt.Sprintf("the suite was %s at %q: %s", r.State, name, p.scrub(r.Failure.Message))
		p.printf("stop  %s (%s)\n", name, r.State)
	case r.State.Is(types.SpecStateFailureStates):
		f := FailedSpec{Name: name, Message: p.scrub(r.Failure.Message), Location: r.Failure.Location.String()}
		res.Failed = append(res.Failed, f)
		p.failed(f, r.RunTime)
	case r.State == types.SpecStatePassed:
		res.SpecsPassed++
		if !p.quiet {
			p.printf("ok    %s (%v)\n", name, r.RunTime.Round(time.Millisecond))
		}
	default: // skipped: a capability the driver lacks, or not selected by Focus
		res.SpecsSkipped++
		if p.verbose && r.Failure.Message != "" && r.Failure.Message != notFocused {
			p.printf("skip  %s: %s\n", name, p.scrub(r.Failure.Message))
		}
	}
}

// specName is the behaviour a spec checks: its containers below the top one and
// its own text, as "Remove reports false when the only key is missing".
func specName(r SpecReport) string {
	texts := r.ContainerHierarchyTexts
	if len(texts) > 0 {
		texts = texts[1:]
	}
	name := ""
	for _, t := range texts {
		name += t + " "
	}
	return name + r.LeafNodeText
}
