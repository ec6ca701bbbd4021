package conformance_test

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/conformance"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/registry"
)

// These tests run Check in this process, on drivers/memory behind a recording
// wrapper registered on a Mux of their own; the strata-check command's tests run
// it against real Redis servers.

// recorder notes what the adapters of one test were asked to touch.
type recorder struct {
	mu      sync.Mutex
	keys    []string // every key given to any method
	clears  []string // every Clear prefix
	removed []string // every key given to Remove
}

// note records keys given to a method; removal says they were given to Remove.
func (r *recorder) note(removal bool, keys ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = append(r.keys, keys...)
	if removal {
		r.removed = append(r.removed, keys...)
	}
}

// noteClear records a Clear prefix.
func (r *recorder) noteClear(prefix string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clears = append(r.clears, prefix)
}

func (r *recorder) snapshot() (keys, clears, removed []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.keys), slices.Clone(r.clears), slices.Clone(r.removed)
}

// recording is a Batcher and Clearer over drivers/memory that notes every key it
// is given; its broken fields make it misbehave.
type recording struct {
	m   *memory.Adapter
	rec *recorder

	removeSaysTrue bool  // Remove reports true whether or not the keys existed
	clearIgnored   bool  // Clear succeeds and removes nothing
	clearErr       error // Clear fails with this error
}

var (
	_ adapter.Batcher = (*recording)(nil)
	_ adapter.Clearer = (*recording)(nil)
)

func (w *recording) Get(ctx context.Context, key string) ([]byte, error) {
	w.rec.note(false, key)
	return w.m.Get(ctx, key)
}

func (w *recording) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	w.rec.note(false, key)
	return w.m.Set(ctx, key, value, ttl)
}

func (w *recording) Remove(ctx context.Context, keys ...string) (bool, error) {
	w.rec.note(true, keys...)
	all, err := w.m.Remove(ctx, keys...)
	if w.removeSaysTrue {
		return err == nil, err
	}
	return all, err
}

func (w *recording) UpdateTimeout(ctx context.Context, key string, ttl time.Duration) ([]byte, error) {
	w.rec.note(false, key)
	return w.m.UpdateTimeout(ctx, key, ttl)
}

func (w *recording) Close() error { return w.m.Close() }

func (w *recording) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	w.rec.note(false, keys...)
	return w.m.GetMany(ctx, keys)
}

func (w *recording) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	for k := range items {
		w.rec.note(false, k)
	}
	return w.m.SetMany(ctx, items, ttl)
}

func (w *recording) Clear(ctx context.Context, prefix string) error {
	w.rec.noteClear(prefix)
	switch {
	case w.clearErr != nil:
		return w.clearErr
	case w.clearIgnored:
		return ctx.Err()
	}
	return w.m.Clear(ctx, prefix)
}

// plain hides every capability of the adapter it holds: it is no Clearer.
type plain struct{ adapter.Adapter }

// checkMux returns a Mux where rec:// opens what mk makes of a fresh memory
// adapter, noting in rec.
func checkMux(t *testing.T, rec *recorder, mk func(*recording) adapter.Adapter) *registry.Mux {
	t.Helper()
	var mux registry.Mux
	mux.Register("rec", func(context.Context, *url.URL) (adapter.Adapter, error) {
		m, err := memory.Open(context.Background(), nil)
		if err != nil {
			return nil, err
		}
		return mk(&recording{m: m, rec: rec}), nil
	})
	return &mux
}

// TestCheckWritesOnlyUnderItsPrefix runs the whole suite through Check and checks
// that every key any adapter was given, and every prefix cleared, lies under the
// check's prefix (so no Clear of a whole namespace), and that the final Clear ran.
func TestCheckWritesOnlyUnderItsPrefix(t *testing.T) {
	if inChild() {
		t.Skip("this process runs a broken-adapter suite for TestBrokenAdaptersFail")
	}
	var rec recorder
	mux := checkMux(t, &rec, func(w *recording) adapter.Adapter { return w })
	var out bytes.Buffer
	res, err := conformance.Check(context.Background(), "rec://", conformance.CheckOptions{
		Mux: mux, Progress: &out, MayEvict: true, ProbeOps: 50,
	})
	if err != nil {
		t.Fatalf("Check: %v\n%s", err, out.String())
	}
	if !res.Passed || len(res.Failed) > 0 || res.SpecsPassed < 100 {
		t.Fatalf("Check did not pass (%d passed, failed %v):\n%s", res.SpecsPassed, res.Failed, out.String())
	}
	if !strings.HasPrefix(res.Prefix, conformance.CheckPrefix) || len(res.Prefix) != len(conformance.CheckPrefix)+17 {
		t.Errorf("prefix %q: want %s + 16 hex digits + ':'", res.Prefix, conformance.CheckPrefix)
	}
	keys, clears, _ := rec.snapshot()
	if len(keys) < 1000 {
		t.Errorf("only %d keys were noted: is the recorder wired?", len(keys))
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, res.Prefix) {
			t.Fatalf("key %q is outside the check's prefix %q", k, res.Prefix)
		}
	}
	for _, p := range clears {
		if !strings.HasPrefix(p, res.Prefix) {
			t.Fatalf("Clear(%q) is outside the check's prefix %q", p, res.Prefix)
		}
	}
	if !slices.Contains(clears, res.Prefix) {
		t.Errorf("the check never cleared its prefix %q", res.Prefix)
	}
	if got := len(res.Latency); got != 3 {
		t.Errorf("latency figures for %d kinds of call, want 3 (Set, Get, GetMany)", got)
	}
	for _, l := range res.Latency {
		if l.Ops != 50 || l.P50 <= 0 || l.P99 < l.P50 || l.Max < l.P99 {
			t.Errorf("latency %+v: want 50 calls with 0 < p50 <= p99 <= max", l)
		}
	}
	if res.Cleanup.Err != nil || len(res.Cleanup.Remaining) > 0 || res.Cleanup.Checked != 54 {
		t.Errorf("cleanup %+v: want no error, nothing remaining, 54 keys checked (50 probed, 4 markers)", res.Cleanup)
	}
	for _, want := range []string{"ok    Remove reports false when the only key is missing", "PASS rec://"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, out.String())
		}
	}
}

// TestCheckNamesFailedSpecs checks that a broken driver fails the check, with the
// behaviours it breaks named in the result and in the progress, and that the
// URL's password is never printed.
func TestCheckNamesFailedSpecs(t *testing.T) {
	if inChild() {
		t.Skip("this process runs a broken-adapter suite for TestBrokenAdaptersFail")
	}
	var rec recorder
	mux := checkMux(t, &rec, func(w *recording) adapter.Adapter { w.removeSaysTrue = true; return w })
	var out bytes.Buffer
	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	res, err := conformance.Check(context.Background(), "rec://user:hunter2secret@somewhere", conformance.CheckOptions{
		Mux: mux, Progress: &out, Focus: "^Remove ", ProbeOps: 10, Verbose: true,
	})
	if err != nil {
		t.Fatalf("Check: %v\n%s", err, out.String())
	}
	// Later suites in the process (conformance.Run's) must not inherit Focus.
	if sc, rc := ginkgo.GinkgoConfiguration(); !reflect.DeepEqual(sc, suiteConfig) || !reflect.DeepEqual(rc, reporterConfig) {
		t.Errorf("Check changed Ginkgo's configuration: suite %+v, was %+v; reporter %+v, was %+v",
			sc, suiteConfig, rc, reporterConfig)
	}
	if res.Passed {
		t.Fatalf("a driver whose Remove always reports true passed:\n%s", out.String())
	}
	const want = "Remove reports false when the only key is missing"
	var names []string
	for _, f := range res.Failed {
		names = append(names, f.Name)
		if f.Message == "" || !strings.Contains(f.Location, ".go:") {
			t.Errorf("failed spec %q: want a message and a file:line location, got %q at %q", f.Name, f.Message, f.Location)
		}
	}
	if !slices.Contains(names, want) {
		t.Errorf("failed specs %q do not name %q", names, want)
	}
	for _, line := range []string{"FAIL  " + want, "  failed: " + want, "FAIL rec://user:xxxxx@somewhere"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("progress lacks %q:\n%s", line, out.String())
		}
	}
	if strings.Contains(out.String(), "hunter2secret") || strings.Contains(res.URL, "hunter2secret") {
		t.Errorf("the password was printed:\n%s", out.String())
	}
	if res.SpecsPassed == 0 || res.SpecsSkipped == 0 {
		t.Errorf("with Focus, want some specs passed and the unfocused ones skipped: %d passed, %d skipped",
			res.SpecsPassed, res.SpecsSkipped)
	}
	if res.Cleanup.Err != nil || len(res.Cleanup.Remaining) > 0 {
		t.Errorf("cleanup %+v: want it clean", res.Cleanup)
	}
}

// TestCheckRefuses checks that Check writes nothing to a driver that is no
// Clearer, and writes one key (and removes it) to one whose Clear does not work.
func TestCheckRefuses(t *testing.T) {
	if inChild() {
		t.Skip("this process runs a broken-adapter suite for TestBrokenAdaptersFail")
	}
	boom := errors.New("boom: SCAN not allowed")
	cases := []struct {
		name   string
		mk     func(*recording) adapter.Adapter
		target error
		writes int
	}{
		{"not a Clearer", func(w *recording) adapter.Adapter { return plain{w} }, conformance.ErrNotClearer, 0},
		{"Clear removes nothing", func(w *recording) adapter.Adapter { w.clearIgnored = true; return w }, conformance.ErrCannotClean, 1},
		{"Clear fails", func(w *recording) adapter.Adapter { w.clearErr = boom; return w }, boom, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rec recorder
			var out bytes.Buffer
			res, err := conformance.Check(context.Background(), "rec://", conformance.CheckOptions{
				Mux: checkMux(t, &rec, tc.mk), Progress: &out,
			})
			if !errors.Is(err, tc.target) {
				t.Fatalf("Check returned %v, want an error wrapping %v", err, tc.target)
			}
			if res.Passed || out.Len() > 0 {
				t.Errorf("a refused check passed (%v) or printed progress:\n%s", res.Passed, out.String())
			}
			keys, _, removed := rec.snapshot()
			var writes []string
			for _, k := range keys {
				if !slices.Contains(writes, k) {
					writes = append(writes, k)
				}
			}
			if len(writes) != tc.writes {
				t.Errorf("keys touched: %q, want %d", writes, tc.writes)
			}
			for _, k := range writes {
				if !slices.Contains(removed, k) {
					t.Errorf("the check left %q behind without trying Remove", k)
				}
			}
		})
	}

	t.Run("unknown scheme", func(t *testing.T) {
		_, err := conformance.Check(context.Background(), "nope://x", conformance.CheckOptions{Mux: new(registry.Mux)})
		if !errors.Is(err, registry.ErrUnknownScheme) {
			t.Errorf("Check returned %v, want ErrUnknownScheme", err)
		}
	})
	t.Run("bad focus", func(t *testing.T) {
		var rec recorder
		_, err := conformance.Check(context.Background(), "rec://", conformance.CheckOptions{
			Mux: checkMux(t, &rec, func(w *recording) adapter.Adapter { return w }), Focus: "Remove(",
		})
		if err == nil || !strings.Contains(err.Error(), "Focus") {
			t.Errorf("Check returned %v, want an error about Focus", err)
		}
	})
}

// TestCheckCancelled checks that a check whose ctx ends mid-suite stops, says so,
// and still removes what it wrote.
func TestCheckCancelled(t *testing.T) {
	if inChild() {
		t.Skip("this process runs a broken-adapter suite for TestBrokenAdaptersFail")
	}
	var rec recorder
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelOnFirstSpec{cancel: cancel}
	res, err := conformance.Check(ctx, "rec://", conformance.CheckOptions{
		Mux: checkMux(t, &rec, func(w *recording) adapter.Adapter { return w }), Progress: w, Focus: "Remove",
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Check returned %v, want context.Canceled\n%s", err, w.buf.String())
	}
	if res.Passed || res.Incomplete == "" || len(res.Latency) > 0 {
		t.Errorf("a cancelled check: passed %v, incomplete %q, latency %v: want false, a reason, no probe",
			res.Passed, res.Incomplete, res.Latency)
	}
	if res.Cleanup.Err != nil || res.Cleanup.Checked == 0 || len(res.Cleanup.Remaining) > 0 {
		t.Errorf("cleanup after cancel: %+v, want it to have run and left nothing", res.Cleanup)
	}
	_, clears, _ := rec.snapshot()
	if !slices.Contains(clears, res.Prefix) {
		t.Errorf("the cancelled check never cleared its prefix")
	}
}

// cancelOnFirstSpec cancels a context when the first spec is reported.
type cancelOnFirstSpec struct {
	buf    bytes.Buffer
	cancel context.CancelFunc
}

func (c *cancelOnFirstSpec) Write(p []byte) (int, error) {
	if bytes.HasPrefix(p, []byte("ok ")) || bytes.HasPrefix(p, []byte("FAIL ")) {
		c.cancel()
	}
	return c.buf.Write(p)
}
