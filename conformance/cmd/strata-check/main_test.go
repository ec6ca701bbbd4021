package main

import (
	"bytes"
	"context"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/registry"
)

// The command's runs that check a whole suite happen in child processes (this
// test binary, re-executed with childEnv set, runs the command instead of the
// tests), so that they run in parallel: Ginkgo holds one suite per process. The
// child is built like the tests, with -race when they are.

// childEnv makes the test binary run the command on its arguments after "--".
const childEnv = "STRATA_CHECK_CMD_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		os.Exit(run(context.Background(), args, os.Stdout, os.Stderr, testMux()))
	}
	os.Exit(m.Run())
}

// testMux holds the built-in drivers and two of the test's own over
// drivers/memory: broken:// (Remove always reports true, as a driver that ignores
// UNLINK's count would) and plain:// (no adapter.Clearer).
func testMux() *registry.Mux {
	mux := new(registry.Mux)
	for _, s := range registry.DefaultMux.Schemes() {
		mux.Register(s, registry.DefaultMux.Factory(s))
	}
	mux.Register("broken", func(context.Context, *url.URL) (adapter.Adapter, error) {
		m, err := memory.Open(context.Background(), nil)
		return removeSaysTrue{m}, err
	})
	mux.Register("plain", func(context.Context, *url.URL) (adapter.Adapter, error) {
		m, err := memory.Open(context.Background(), nil)
		return struct{ adapter.Adapter }{m}, err
	})
	return mux
}

// removeSaysTrue is a Clearer over drivers/memory whose Remove reports that every
// key existed, whether or not it did.
type removeSaysTrue struct{ m *memory.Adapter }

func (b removeSaysTrue) Get(ctx context.Context, k string) ([]byte, error) { return b.m.Get(ctx, k) }
func (b removeSaysTrue) Set(ctx context.Context, k string, v []byte, ttl time.Duration) error {
	return b.m.Set(ctx, k, v, ttl)
}
func (b removeSaysTrue) Remove(ctx context.Context, keys ...string) (bool, error) {
	_, err := b.m.Remove(ctx, keys...)
	return err == nil, err
}
func (b removeSaysTrue) UpdateTimeout(ctx context.Context, k string, ttl time.Duration) ([]byte, error) {
	return b.m.UpdateTimeout(ctx, k, ttl)
}
func (b removeSaysTrue) Close() error { return b.m.Close() }
func (b removeSaysTrue) Clear(ctx context.Context, prefix string) error {
	return b.m.Clear(ctx, prefix)
}

// result is what one run of the command did.
type result struct {
	code           int
	stdout, stderr string
}

// runChild runs the command with args in a child process.
func runChild(t *testing.T, args ...string) result {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	res := result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	if err != nil && res.code < 0 {
		t.Fatalf("running the command: %v\n%s%s", err, res.stdout, res.stderr)
	}
	return res
}

// runHere runs the command in this process (for runs that stop before the suite).
func runHere(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, testMux())
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\n--- stdout:\n" + r.stdout + "--- stderr:\n" + r.stderr
}

// expectPass checks a passing run: exit 0, PASS, nothing on stderr.
func expectPass(t *testing.T, r result) {
	t.Helper()
	if r.code != exitPass || !strings.Contains(r.stdout, "\nPASS ") || r.stderr != "" {
		t.Fatalf("want exit 0, PASS and an empty stderr; got %s", r)
	}
	for _, want := range []string{"ok    Get returns the value stored under a key", "latency Get", "cleanup: cleared strata-check:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r)
		}
	}
}

func TestPassesOnMemory(t *testing.T) {
	t.Parallel()
	expectPass(t, runChild(t, "-ops", "100", "memory://"))
}

// TestPassesOnRedis checks standalone, Cluster and Sentinel servers the test
// starts, each holding a key of someone else's: the check passes, the key
// survives, and nothing else is left on the server.
func TestPassesOnRedis(t *testing.T) {
	t.Parallel()
	const password = "Pw-9f2k-sekrit"
	cases := []struct {
		name  string
		start func(t *testing.T) (checkURL, adminURL string)
	}{
		{"standalone", func(t *testing.T) (string, string) {
			srv := redistest.StartServer(t, &redistest.Options{Password: password})
			return srv.URL(), srv.URL()
		}},
		{"standalone, ACL user limited to strata-check:* keys", func(t *testing.T) (string, string) {
			// The server refuses the user any key outside the check's prefixes
			// (NOPERM), so a write or removal elsewhere would fail a spec.
			srv := redistest.StartServer(t, &redistest.Options{Password: password, Users: []redistest.User{
				{Name: "checker", Password: password, Rules: "on ~strata-check:* &* +@all"},
			}})
			return srv.UserURL("checker"), srv.URL()
		}},
		{"cluster", func(t *testing.T) (string, string) {
			c := redistest.StartCluster(t, nil)
			return c.URL(), c.URL()
		}},
		{"sentinel", func(t *testing.T) (string, string) {
			s := redistest.StartSentinel(t, nil)
			return s.URL(), s.URL()
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkURL, adminURL := tc.start(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			admin, err := redis.OpenURL(ctx, adminURL)
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			rdb := admin.Client()
			// Someone else's keys: one a prefix-match of nothing the check writes, one
			// that shares its leading "strata-check" but not its random part.
			others := map[string]string{"app:sentinel": "keep", "strata-check:not-mine:k": "keep too"}
			for k, v := range others {
				if err := rdb.Set(ctx, k, v, 0).Err(); err != nil {
					t.Fatal(err)
				}
			}

			r := runChild(t, "-ops", "200", checkURL)
			expectPass(t, r)
			if strings.Contains(r.stdout+r.stderr, password) {
				t.Errorf("the password was printed:\n%s", r)
			}

			for k, v := range others {
				if got, err := rdb.Get(ctx, k).Result(); err != nil || got != v {
					t.Errorf("key %q outside the check's prefix: got %q, %v; want %q", k, got, err, v)
				}
			}
			if n, err := rdb.DBSize(ctx).Result(); err != nil || n != int64(len(others)) {
				keys, _, _ := rdb.Scan(ctx, 0, "*", 10).Result()
				t.Errorf("DBSIZE after the check: %d (%v), want %d: keys such as %q", n, err, len(others), keys)
			}
		})
	}
}

func TestFailsOnBrokenDriver(t *testing.T) {
	t.Parallel()
	r := runChild(t, "-ops", "50", "-focus", "Remove", "broken://")
	const behaviour = "Remove reports false when the only key is missing"
	if r.code != exitFail {
		t.Fatalf("want exit 1 for a broken driver; got %s", r)
	}
	for _, want := range []string{"FAIL  " + behaviour, "  failed: " + behaviour, "\nFAIL broken://"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q: %s", want, r)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr: %q, want it empty (a failed check is not an error)", r.stderr)
	}
}

// TestRefusesAndUsage checks the runs that end before the suite: exit 2 with a
// clear message, the URL's password never shown.
func TestRefusesAndUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no URL", nil, "give the cache URL to check"},
		{"two URLs", []string{"memory://", "memory://"}, "give one URL, not 2"},
		{"unknown flag", []string{"-nope", "memory://"}, "flag provided but not defined: -nope"},
		{"negative ops", []string{"-ops", "-1", "memory://"}, "-ops must be 0 or more"},
		{"bad focus", []string{"-focus", "Remove(", "memory://"}, "Focus is not a regular expression"},
		{"not a Clearer", []string{"plain://"}, "does not implement adapter.Clearer"},
		{"unknown scheme", []string{"nosuch://user:Pw-9f2k-sekrit@host"}, `unknown cache URL scheme "nosuch"`},
		{"no scheme", []string{"localhost:6379"}, `lacks "//" after the scheme`},
		{"unreachable", []string{"redis://user:Pw-9f2k-sekrit@127.0.0.1:" + closedPort(t) + "/0"}, "connection refused"},
		{"unreachable, short open_timeout", []string{"redis://127.0.0.1:" + closedPort(t) + "/0?open_timeout=200ms"}, "cannot check"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := runHere(t, tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("want exit 2 and %q on stderr; got %s", tc.want, r)
			}
			if strings.Contains(r.stdout+r.stderr, "Pw-9f2k-sekrit") {
				t.Errorf("the password was printed: %s", r)
			}
			if took := time.Since(start); took > 30*time.Second {
				t.Errorf("took %v to give up", took)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		r := runHere(t, "-h")
		if r.code != exitPass || !strings.Contains(r.stderr, "usage: strata-check [flags] URL") {
			t.Errorf("want exit 0 and the usage; got %s", r)
		}
	})
}

// closedPort returns a loopback port nothing listens on (one the test listened
// on and closed).
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}
