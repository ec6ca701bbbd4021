package conformance_test

// This file proves that the suite can fail: it runs the relevant specs against
// deliberately broken adapters (drivers/memory wrapped so that one thing goes wrong)
// and checks that the specs meant to catch each defect do fail, while the same
// specs pass on the unbroken wrapper.
//
// Ginkgo allows one RunSpecs per process, so each broken adapter is tested in a
// child process: TestBrokenAdaptersFail re-executes this test binary with
// STRATA_CONFORMANCE_BROKEN=<case>, -test.run selecting itself, -ginkgo.focus
// selecting the specs of interest and -ginkgo.json-report, then reads the JSON
// report and checks the state of every spec it expects to fail.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/conformance"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/internal/fastpath"
)

// childEnv names the broken case a child process runs.
const childEnv = "STRATA_CONFORMANCE_BROKEN"

// inChild reports whether this process is a child started by TestBrokenAdaptersFail.
func inChild() bool { return os.Getenv(childEnv) != "" }

// graceWindow is the revival window of the harnesses that have one.
const graceWindow = 300 * time.Millisecond

// brokenCase is one deliberately broken adapter and the specs that must catch it.
type brokenCase struct {
	name string
	// harnessGrace is what the harness claims; innerGrace is what the wrapped memory
	// adapter really has (they differ for the revival defects).
	harnessGrace, innerGrace time.Duration
	// breakIt installs the defect on a wrapper around a fresh memory adapter.
	breakIt func(w *wrapper)
	// mustFail are spec texts without the top-level container (the adapter name).
	mustFail []string
}

// Controls run the same specs on the unbroken wrapper; every spec some case expects
// to fail must pass in the control with the same kind of harness.
var controls = []brokenCase{
	{name: "control", breakIt: func(*wrapper) {}},
	{name: "control-grace", harnessGrace: graceWindow, innerGrace: graceWindow, breakIt: func(*wrapper) {}},
}

var brokenCases = []brokenCase{
	{
		// Keeps the first value decoded for each key for ever, ignoring later writes.
		name: "memo-never-forgets",
		breakIt: func(w *wrapper) {
			var mu sync.Mutex
			kept := map[string]any{}
			w.getMemo = func(ctx context.Context, key string, tag any, decode func([]byte) (any, error)) (any, error) {
				mu.Lock()
				defer mu.Unlock()
				if v, ok := kept[key]; ok {
					return v, nil
				}
				v, err := w.m.GetMemo(ctx, key, tag, decode)
				if err == nil {
					kept[key] = v
				}
				return v, err
			}
		},
		mustFail: []string{
			"optional capability Memoizer returns the decoded stored value, never one kept for older bytes",
			"optional capability Memoizer never returns a value kept under another tag",
		},
	},
	{
		name: "remove-always-true",
		breakIt: func(w *wrapper) {
			w.remove = func(ctx context.Context, keys ...string) (bool, error) {
				_, err := w.m.Remove(ctx, keys...)
				return err == nil, err
			}
		},
		mustFail: []string{
			"Remove reports false when some keys were missing, and removes the others",
			"Remove reports false when the only key is missing",
			"Remove reports false when no key existed",
			"Remove reports false for a key removed twice",
			"Remove reports false for duplicates of a missing key",
			"TTL reports an expired key as missing to Remove",
		},
	},
	{
		name: "ttl-ignored",
		breakIt: func(w *wrapper) {
			forever := func(ttl time.Duration) time.Duration {
				if ttl > 0 {
					return adapter.NoExpiration
				}
				return ttl
			}
			w.set = func(ctx context.Context, k string, v []byte, ttl time.Duration) error {
				return w.m.Set(ctx, k, v, forever(ttl))
			}
			w.setMany = func(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
				return w.m.SetMany(ctx, items, forever(ttl))
			}
		},
		mustFail: []string{
			"TTL expires a value after its TTL",
			"TTL does not round a millisecond TTL up to whole seconds",
			"TTL uses the cache's DefaultTTL when given DefaultTTL",
			"TTL reports an expired key as missing to Remove",
			"Set replaces NoExpiration with a short TTL on overwrite",
			"batches SetMany applies the TTL to every item",
			"batches through the driver's Batcher SetMany stores every item with the TTL",
			"GetOrSet stores the loaded value with the TTL given",
		},
	},
	{
		name: "ttl-rounded-up-to-seconds",
		breakIt: func(w *wrapper) {
			w.mapTTL(func(ttl time.Duration) time.Duration { return (ttl + time.Second - 1).Truncate(time.Second) })
		},
		mustFail: []string{
			"TTL does not round a millisecond TTL up to whole seconds",
			"optional capabilities TTLReader reports a short TTL with millisecond precision",
		},
	},
	{
		name: "ttl-truncated-to-seconds",
		breakIt: func(w *wrapper) {
			w.mapTTL(func(ttl time.Duration) time.Duration { return max(ttl.Truncate(time.Second), time.Second) })
		},
		mustFail: []string{
			"TTL does not round a TTL down to whole seconds",
		},
	},
	{
		name:         "update-timeout-never-revives",
		harnessGrace: graceWindow, innerGrace: graceWindow,
		breakIt: func(w *wrapper) {
			w.updateTimeout = func(ctx context.Context, k string, ttl time.Duration) ([]byte, error) {
				if _, err := w.m.Get(ctx, k); err != nil {
					return nil, err
				}
				return w.m.UpdateTimeout(ctx, k, ttl)
			}
		},
		mustFail: []string{
			"UpdateTimeout with a grace period of 300ms revives a key that expired less than the grace period ago",
			"UpdateTimeout with a grace period of 300ms gives a revived key the new TTL",
			"UpdateTimeout with a grace period of 300ms revives the latest value of a key overwritten before it expired",
		},
	},
	{
		name:       "revives-without-grace",
		innerGrace: time.Minute, // the harness says 0
		breakIt:    func(*wrapper) {},
		mustFail: []string{
			"UpdateTimeout without a grace period never revives an expired key",
		},
	},
	{
		name:         "revives-beyond-grace",
		harnessGrace: graceWindow, innerGrace: time.Minute,
		breakIt: func(*wrapper) {},
		mustFail: []string{
			"UpdateTimeout with a grace period of 300ms does not revive a key that expired more than the grace period ago",
		},
	},
	{
		name:         "remove-only-expires",
		harnessGrace: graceWindow, innerGrace: graceWindow,
		breakIt: func(w *wrapper) {
			// "Removes" a key by making it expire at once, which leaves it revivable.
			w.remove = func(ctx context.Context, keys ...string) (bool, error) {
				all := true
				for _, k := range keys {
					if _, err := w.m.UpdateTimeout(ctx, k, time.Millisecond); errors.Is(err, adapter.ErrNotFound) {
						all = false
					} else if err != nil {
						return false, err
					}
				}
				time.Sleep(3 * time.Millisecond)
				return all, nil
			}
		},
		mustFail: []string{
			"UpdateTimeout never revives a removed key",
			"UpdateTimeout with a grace period of 300ms does not revive a key removed during its grace period",
		},
	},
	{
		name: "get-errors-become-misses",
		breakIt: func(w *wrapper) {
			w.get = func(ctx context.Context, k string) ([]byte, error) {
				v, err := w.m.Get(ctx, k)
				if err != nil {
					return nil, adapter.NotFound(k)
				}
				return v, nil
			}
		},
		mustFail: []string{
			"GetOrDefault returns failures other than a miss instead of the default",
			"after Close returns ErrClosed from every driver method",
			"after Close returns ErrClosed from every Cache method",
			"context driver: returns context.Canceled from every method when the context is cancelled",
		},
	},
	{
		name: "not-found-without-the-key",
		breakIt: func(w *wrapper) {
			w.get = func(ctx context.Context, k string) ([]byte, error) {
				v, err := w.m.Get(ctx, k)
				if errors.Is(err, adapter.ErrNotFound) {
					return nil, adapter.ErrNotFound
				}
				return v, err
			}
		},
		mustFail: []string{
			"Get returns an error wrapping ErrNotFound that names the key when the key is missing",
			"Get driver: returns an error wrapping ErrNotFound that names the key when the key is missing",
		},
	},
	{
		name: "ignores-context",
		breakIt: func(w *wrapper) {
			bg := context.Background()
			w.get = func(_ context.Context, k string) ([]byte, error) { return w.m.Get(bg, k) }
			w.set = func(_ context.Context, k string, v []byte, ttl time.Duration) error { return w.m.Set(bg, k, v, ttl) }
			w.remove = func(_ context.Context, keys ...string) (bool, error) { return w.m.Remove(bg, keys...) }
			w.updateTimeout = func(_ context.Context, k string, ttl time.Duration) ([]byte, error) {
				return w.m.UpdateTimeout(bg, k, ttl)
			}
			w.getMany = func(_ context.Context, keys []string) (map[string][]byte, error) { return w.m.GetMany(bg, keys) }
			w.setMany = func(_ context.Context, items map[string][]byte, ttl time.Duration) error {
				return w.m.SetMany(bg, items, ttl)
			}
			w.getWithTTL = func(_ context.Context, k string) ([]byte, time.Duration, error) { return w.m.GetWithTTL(bg, k) }
			w.ping = func(context.Context) error { return w.m.Ping(bg) }
			w.clear = func(_ context.Context, prefix string) error { return w.m.Clear(bg, prefix) }
		},
		mustFail: []string{
			"context driver: returns context.Canceled from every method when the context is cancelled",
			"context driver: returns context.DeadlineExceeded from every method when the deadline has passed",
			"context driver: changes nothing when the context is already cancelled",
		},
	},
	{
		name: "does-not-copy",
		breakIt: func(w *wrapper) {
			// Keeps the caller's slices and hands the same slice to every reader.
			var mu sync.Mutex
			kept := map[string][]byte{}
			w.set = func(ctx context.Context, k string, v []byte, ttl time.Duration) error {
				err := w.m.Set(ctx, k, v, ttl)
				if err == nil {
					mu.Lock()
					kept[k] = v
					mu.Unlock()
				}
				return err
			}
			w.get = func(ctx context.Context, k string) ([]byte, error) {
				v, err := w.m.Get(ctx, k)
				if err != nil {
					return nil, err
				}
				mu.Lock()
				defer mu.Unlock()
				if s, ok := kept[k]; ok && len(s) == len(v) {
					return s, nil
				}
				return v, nil
			}
		},
		mustFail: []string{
			"Set driver: does not keep a reference to the caller's slice",
			"Set driver: returns copies the caller may modify",
		},
	},
	{
		name: "close-twice-fails",
		breakIt: func(w *wrapper) {
			var closed atomic.Bool
			w.close = func() error {
				if closed.Swap(true) {
					return errors.New("broken: already closed")
				}
				return w.m.Close()
			}
		},
		mustFail: []string{
			"after Close can be closed twice",
		},
	},
	{
		name: "close-does-nothing",
		breakIt: func(w *wrapper) {
			w.close = func() error { return nil }
		},
		mustFail: []string{
			"after Close returns ErrClosed from every driver method",
			"after Close returns ErrClosed from every Cache method",
			"after Close can be closed twice",
			"after Close closes the adapter when the Cache is closed",
		},
	},
	{
		name: "get-many-includes-misses",
		breakIt: func(w *wrapper) {
			w.getMany = func(ctx context.Context, keys []string) (map[string][]byte, error) {
				got, err := w.m.GetMany(ctx, keys)
				if err != nil {
					return nil, err
				}
				for _, k := range keys {
					if _, ok := got[k]; !ok {
						got[k] = nil
					}
				}
				return got, nil
			}
		},
		mustFail: []string{
			"batches GetMany returns the hits and omits the misses",
			"batches through the driver's Batcher GetMany returns the hits and omits the misses",
			"TTL omits expired keys from GetMany",
		},
	},
	{
		name: "empty-value-is-a-miss",
		breakIt: func(w *wrapper) {
			w.get = func(ctx context.Context, k string) ([]byte, error) {
				v, err := w.m.Get(ctx, k)
				if err == nil && len(v) == 0 {
					return nil, adapter.NotFound(k)
				}
				return v, err
			}
		},
		mustFail: []string{
			"Set stores an empty value as a value, not a miss",
			"Set driver: stores an empty or nil byte slice as a value, not a miss",
			"GetOrDefault returns a stored empty value rather than the default",
		},
	},
	{
		name: "update-timeout-ignores-ttl",
		breakIt: func(w *wrapper) {
			w.updateTimeout = func(ctx context.Context, k string, _ time.Duration) ([]byte, error) {
				return w.m.Get(ctx, k)
			}
		},
		mustFail: []string{
			"UpdateTimeout extends the TTL",
			"UpdateTimeout shortens the TTL",
			"UpdateTimeout makes a key persistent with NoExpiration",
			"UpdateTimeout uses the cache's DefaultTTL when given DefaultTTL",
		},
	},
	{
		name: "writes-land-later",
		breakIt: func(w *wrapper) {
			w.set = func(ctx context.Context, k string, v []byte, ttl time.Duration) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				v = bytes.Clone(v)
				go func() {
					time.Sleep(20 * time.Millisecond)
					_ = w.m.Set(context.Background(), k, v, ttl)
				}()
				return nil
			}
		},
		mustFail: []string{
			"Get returns the value stored under a key",
			"concurrency makes a write visible to other goroutines once it returns",
		},
	},
	{
		// Trusts that only a strata.Cache calls it, and panics on a TTL the Cache
		// never passes.
		name: "panics-on-invalid-ttl",
		breakIt: func(w *wrapper) {
			w.set = func(ctx context.Context, k string, v []byte, ttl time.Duration) error {
				if ttl <= 0 && ttl != adapter.NoExpiration {
					panic("broken: ttl " + ttl.String())
				}
				return w.m.Set(ctx, k, v, ttl)
			}
		},
		mustFail: []string{
			"Set driver: neither panics nor hangs on a TTL strata.Cache never passes, and keeps working",
		},
	},
	{
		name: "clear-does-nothing",
		breakIt: func(w *wrapper) {
			w.clear = func(ctx context.Context, _ string) error { return ctx.Err() }
		},
		mustFail: []string{
			"optional capabilities Clearer removes every key the adapter holds",
		},
	},
	{
		name: "ttl-reader-zero-for-persistent-keys",
		breakIt: func(w *wrapper) {
			w.getWithTTL = func(ctx context.Context, k string) ([]byte, time.Duration, error) {
				v, ttl, err := w.m.GetWithTTL(ctx, k)
				if ttl == adapter.NoExpiration {
					ttl = 0
				}
				return v, ttl, err
			}
		},
		mustFail: []string{
			"optional capabilities TTLReader returns NoExpiration for a key that never expires",
			"TTL keeps values forever when the cache's DefaultTTL is NoExpiration",
		},
	},
}

// TestBrokenAdaptersFail runs the specs of each broken case in a child process and
// checks that they fail, and that they pass in the unbroken control.
func TestBrokenAdaptersFail(t *testing.T) {
	if name := os.Getenv(childEnv); name != "" {
		runChild(t, name)
		return
	}
	if testing.Short() {
		t.Skip("-short: skipping the broken-adapter runs")
	}
	if suiteConfig, _ := GinkgoConfiguration(); suiteConfig.ParallelProcess > 1 {
		t.Skip("ginkgo -p: the broken-adapter runs happen in parallel process 1 only")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}

	var all []string
	for _, bc := range brokenCases {
		all = append(all, bc.mustFail...)
	}
	// control[grace?][spec text] is the state of each spec in the control runs.
	var mu sync.Mutex
	control := map[bool]map[string]types.SpecState{false: {}, true: {}}

	t.Run("controls", func(t *testing.T) {
		for _, bc := range controls {
			t.Run(bc.name, func(t *testing.T) {
				t.Parallel()
				specs := runBroken(t, exe, bc.name, all)
				if len(specs) == 0 {
					t.Fatal("the control ran no specs")
				}
				for text, state := range specs {
					switch state {
					case types.SpecStatePassed:
					case types.SpecStateSkipped: // Skip: timing inconclusive on a slow machine
						t.Logf("%s: spec %q was skipped as inconclusive", bc.name, text)
					default:
						t.Errorf("%s: spec %q %s on the unbroken wrapper; it must pass", bc.name, text, state)
					}
					mu.Lock()
					control[bc.harnessGrace > 0][text] = state
					mu.Unlock()
				}
			})
		}
	})

	t.Run("broken", func(t *testing.T) {
		for _, bc := range brokenCases {
			t.Run(bc.name, func(t *testing.T) {
				t.Parallel()
				specs := runBroken(t, exe, bc.name, bc.mustFail)
				failed := 0
				for _, text := range bc.mustFail {
					state, ran := specs[text]
					switch {
					case !ran:
						t.Errorf("%s: spec %q did not run (renamed?)", bc.name, text)
					case state == types.SpecStateSkipped:
						t.Logf("%s: spec %q was skipped as inconclusive (a very slow machine?)", bc.name, text)
					case !state.Is(types.SpecStateFailureStates):
						t.Errorf("%s: spec %q %s, but the adapter is broken: it must fail", bc.name, text, state)
					default:
						failed++
						if cs := control[bc.harnessGrace > 0][text]; cs != types.SpecStatePassed && cs != types.SpecStateSkipped {
							t.Errorf("%s: spec %q failed, but it did not pass on the unbroken wrapper either (%s)", bc.name, text, cs)
						}
					}
				}
				if failed == 0 {
					t.Errorf("%s: no spec caught the defect", bc.name)
				}
			})
		}
	})
}

// runBroken runs the specs named in texts against the named case in a child process
// and returns the state of every spec that ran, by text without the top container.
func runBroken(t *testing.T, exe, name string, texts []string) map[string]types.SpecState {
	t.Helper()
	quoted := make([]string, len(texts))
	for i, text := range texts {
		quoted[i] = regexp.QuoteMeta(text)
	}
	report := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe,
		"-test.run=^TestBrokenAdaptersFail$",
		"-test.count=1",
		"-ginkgo.focus="+strings.Join(quoted, "|"),
		"-ginkgo.json-report="+report,
		"-ginkgo.no-color",
	)
	cmd.Env = append(os.Environ(), childEnv+"="+name)
	out, err := cmd.CombinedOutput()
	raw, rerr := os.ReadFile(report)
	if rerr != nil {
		t.Fatalf("%s: no report from the child (%v); it exited with %v:\n%s", name, rerr, err, out)
	}
	var reports []types.Report
	if err := json.Unmarshal(raw, &reports); err != nil {
		t.Fatalf("%s: cannot parse the child's report: %v", name, err)
	}
	specs := map[string]types.SpecState{}
	for _, r := range reports {
		for _, sr := range r.SpecReports {
			if sr.LeafNodeType != types.NodeTypeIt || len(sr.ContainerHierarchyTexts) == 0 {
				continue
			}
			if sr.State == types.SpecStateSkipped && sr.Failure.Message == "" {
				continue // not selected by the focus (a spec that called Skip has a message)
			}
			text := strings.Join(append(slices.Clone(sr.ContainerHierarchyTexts[1:]), sr.LeafNodeText), " ")
			specs[text] = sr.State
		}
	}
	if testing.Verbose() {
		var failed []string
		for text, state := range specs {
			if state.Is(types.SpecStateFailureStates) {
				failed = append(failed, text)
			}
		}
		slices.Sort(failed)
		t.Logf("%s: %d specs ran, %d failed: %q", name, len(specs), len(failed), failed)
	}
	return specs
}

// runChild is the child process: it runs the suite on the named case (through
// RunSuite, which this exercises).
func runChild(t *testing.T, name string) {
	var bc *brokenCase
	for _, c := range slices.Concat(controls, brokenCases) {
		if c.name == name {
			bc = &c
			break
		}
	}
	if bc == nil {
		t.Fatalf("%s=%q names no broken case", childEnv, name)
	}
	conformance.RunSuite(t, "broken adapter "+name, conformance.Harness{
		New: func(context.Context) (adapter.Adapter, error) {
			m, err := memory.Open(context.Background(), &memory.Options{Grace: bc.innerGrace})
			if err != nil {
				return nil, err
			}
			w := &wrapper{m: m}
			bc.breakIt(w)
			return w, nil
		},
		Grace:       bc.harnessGrace,
		MayEvict:    true,
		SpecTimeout: time.Minute,
	})
}

// wrapper delegates every method (and every optional capability) to a memory
// adapter, unless a broken case replaced it.
type wrapper struct {
	m *memory.Adapter

	get           func(ctx context.Context, key string) ([]byte, error)
	set           func(ctx context.Context, key string, value []byte, ttl time.Duration) error
	remove        func(ctx context.Context, keys ...string) (bool, error)
	updateTimeout func(ctx context.Context, key string, ttl time.Duration) ([]byte, error)
	close         func() error
	getMany       func(ctx context.Context, keys []string) (map[string][]byte, error)
	setMany       func(ctx context.Context, items map[string][]byte, ttl time.Duration) error
	getWithTTL    func(ctx context.Context, key string) ([]byte, time.Duration, error)
	ping          func(ctx context.Context) error
	clear         func(ctx context.Context, prefix string) error
	getMemo       func(ctx context.Context, key string, tag any, decode func([]byte) (any, error)) (any, error)
	getStale      func(ctx context.Context, key string) ([]byte, bool, error)
}

var (
	_ adapter.Adapter     = (*wrapper)(nil)
	_ adapter.Batcher     = (*wrapper)(nil)
	_ adapter.Pinger      = (*wrapper)(nil)
	_ adapter.Clearer     = (*wrapper)(nil)
	_ adapter.TTLReader   = (*wrapper)(nil)
	_ adapter.StaleReader = (*wrapper)(nil)
	_ fastpath.Memoizer   = (*wrapper)(nil)
)

// mapTTL makes Set and SetMany store positive TTLs as f says.
func (w *wrapper) mapTTL(f func(time.Duration) time.Duration) {
	fix := func(ttl time.Duration) time.Duration {
		if ttl > 0 {
			return f(ttl)
		}
		return ttl
	}
	w.set = func(ctx context.Context, k string, v []byte, ttl time.Duration) error {
		return w.m.Set(ctx, k, v, fix(ttl))
	}
	w.setMany = func(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
		return w.m.SetMany(ctx, items, fix(ttl))
	}
}

func (w *wrapper) Get(ctx context.Context, key string) ([]byte, error) {
	if w.get != nil {
		return w.get(ctx, key)
	}
	return w.m.Get(ctx, key)
}

func (w *wrapper) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if w.set != nil {
		return w.set(ctx, key, value, ttl)
	}
	return w.m.Set(ctx, key, value, ttl)
}

func (w *wrapper) Remove(ctx context.Context, keys ...string) (bool, error) {
	if w.remove != nil {
		return w.remove(ctx, keys...)
	}
	return w.m.Remove(ctx, keys...)
}

func (w *wrapper) UpdateTimeout(ctx context.Context, key string, ttl time.Duration) ([]byte, error) {
	if w.updateTimeout != nil {
		return w.updateTimeout(ctx, key, ttl)
	}
	return w.m.UpdateTimeout(ctx, key, ttl)
}

func (w *wrapper) Close() error {
	if w.close != nil {
		return w.close()
	}
	return w.m.Close()
}

func (w *wrapper) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	if w.getMany != nil {
		return w.getMany(ctx, keys)
	}
	return w.m.GetMany(ctx, keys)
}

func (w *wrapper) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	if w.setMany != nil {
		return w.setMany(ctx, items, ttl)
	}
	return w.m.SetMany(ctx, items, ttl)
}

func (w *wrapper) GetWithTTL(ctx context.Context, key string) ([]byte, time.Duration, error) {
	if w.getWithTTL != nil {
		return w.getWithTTL(ctx, key)
	}
	return w.m.GetWithTTL(ctx, key)
}

func (w *wrapper) GetStale(ctx context.Context, key string) ([]byte, bool, error) {
	if w.getStale != nil {
		return w.getStale(ctx, key)
	}
	return w.m.GetStale(ctx, key)
}

func (w *wrapper) Ping(ctx context.Context) error {
	if w.ping != nil {
		return w.ping(ctx)
	}
	return w.m.Ping(ctx)
}

func (w *wrapper) Clear(ctx context.Context, prefix string) error {
	if w.clear != nil {
		return w.clear(ctx, prefix)
	}
	return w.m.Clear(ctx, prefix)
}

func (w *wrapper) GetMemo(ctx context.Context, key string, tag any, decode func([]byte) (any, error)) (any, error) {
	if w.getMemo != nil {
		return w.getMemo(ctx, key, tag, decode)
	}
	return w.m.GetMemo(ctx, key, tag, decode)
}
