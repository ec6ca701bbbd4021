package layered

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/registry"
)

// testScheme is a driver registered for these tests: a memory adapter that records
// being closed, or, with ?fail=1, a factory that fails with an error quoting its
// whole URL, password included (a careless third-party driver).
const testScheme = "layeredtest"

var testOpened, testClosed atomic.Int64

type trackedMem struct{ *memory.Adapter }

func (m trackedMem) Close() error {
	testClosed.Add(1)
	return m.Adapter.Close()
}

func init() {
	registry.Register(testScheme, func(ctx context.Context, u *url.URL) (adapter.Adapter, error) {
		if u.Query().Get("fail") != "" {
			return nil, errors.New("cannot open " + u.String())
		}
		m, err := memory.Open(context.Background(), nil)
		if err != nil {
			return nil, err
		}
		testOpened.Add(1)
		return trackedMem{m}, nil
	})
}

func layeredURL(params ...string) string {
	return "layered://?" + strings.Join(params, "&")
}

func esc(s string) string { return url.QueryEscape(s) }

func TestOpenURL(t *testing.T) {
	ctx := ctxT(t)
	a, err := registry.Open(ctx, layeredURL("l1="+esc("memory://?max_cost=1MiB"), "l2="+esc("memory://?grace=1s"), "l1_ttl=30s", "serve_stale=true"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	la, ok := a.(*Adapter)
	if !ok {
		t.Fatalf("registry.Open returned %T", a)
	}
	if la.L1TTL() != 30*time.Second || !la.serveStale {
		t.Errorf("options: L1TTL %v, serve_stale %v", la.L1TTL(), la.serveStale)
	}
	if got := la.L1().(*memory.Adapter).Stats().MaxCost; got != 1<<20 {
		t.Errorf("L1 max_cost %d", got)
	}
	if err := a.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, err := la.L2().Get(ctx, "k"); err != nil || string(v) != "v" {
		t.Errorf("L2 Get = %q, %v", v, err)
	}

	// Defaults: l1 is memory://, l1_ttl 1m, no stale serving.
	b, err := registry.Open(ctx, layeredURL("l2="+esc("memory://")))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if lb := b.(*Adapter); lb.L1TTL() != DefaultL1TTL || lb.serveStale {
		t.Errorf("defaults: %v %v", lb.L1TTL(), lb.serveStale)
	}
}

func TestOpenURLRejectsBadURLs(t *testing.T) {
	ctx := ctxT(t)
	for _, raw := range []string{
		"layered://",                                     // no l2
		layeredURL("l1=" + esc("memory://")),             // no l2
		layeredURL("l2="+esc("memory://"), "l1="),        // empty l1
		layeredURL("l2="+esc("memory://"), "bogus=1"),    // unknown parameter
		layeredURL("l2="+esc("memory://"), "l1_ttl=-1s"), // negative duration
		layeredURL("l2="+esc("memory://"), "l1_ttl=x"),   // not a duration
		layeredURL("l2="+esc("memory://"), "serve_stale=maybe"),
		"layered://host?l2=" + esc("memory://"), // a host
		"layered://?l2=memory://&grace=1s",      // unescaped: grace is read as layered's
		layeredURL("l2=" + esc("nosuch://")),    // unknown child scheme
	} {
		if a, err := registry.Open(ctx, raw); err == nil {
			a.Close()
			t.Errorf("%s accepted", raw)
		}
	}
}

func TestOpenURLClosesL1WhenL2FailsAndHidesPasswords(t *testing.T) {
	ctx := ctxT(t)
	opened, closed := testOpened.Load(), testClosed.Load()
	const pw1, pw2 = "l1-s3cret-pw", "l2-t0p-s3cret"
	odd := (&url.URL{Scheme: "redis", User: url.UserPassword("u", "p@ss/w:rd%x ?&="), Host: "127.0.0.1:1", Path: "/0",
		RawQuery: "open_timeout=200ms"}).String()
	for _, l2 := range []string{
		odd, // a password that needs escaping
		"layered://?l2=" + esc(testScheme+"://:"+pw2+"@h/?fail=1"),            // a nested layered URL
		testScheme + "://user:" + pw2 + "@host/?fail=1",                       // the driver's error quotes it
		"redis://user:" + pw2 + "@127.0.0.1:1/0?open_timeout=200ms",           // nothing listens
		"nosuch://:" + pw2 + "@host",                                          // unknown scheme
		"redis://:" + pw2 + "@127.0.0.1:1/0?open_timeout=200ms&bogus_param=1", // bad parameter
	} {
		raw := layeredURL("l1="+esc(testScheme+"://:"+pw1+"@h/"), "l2="+esc(l2))
		a, err := registry.Open(ctx, raw)
		if err == nil {
			a.Close()
			t.Fatalf("l2 %s opened", l2)
		}
		msg := err.Error()
		for _, secret := range []string{pw1, pw2, "p@ss/w:rd%x ?&=", "p%40ss%2Fw%3Ard%25x", "w:rd", "rd%25x", "rd%2525x"} {
			if strings.Contains(msg, secret) {
				t.Errorf("the error for l2 %s contains a password:\n%s", registry.Redact(l2), msg)
			}
		}
		if !strings.Contains(msg, "l2") {
			t.Errorf("the error does not say which layer failed: %s", msg)
		}
		if l2 == odd {
			t.Logf("e.g. %s", msg)
		}
	}
	if n := testOpened.Load() - opened; n != 6 {
		t.Errorf("L1 opened %d times", n)
	}
	if n := testClosed.Load() - closed; n != 6 {
		t.Errorf("L1 closed %d times after L2 failed to open, want 6", n)
	}

	// A failing L1 is reported too, without its password.
	_, err := registry.Open(ctx, layeredURL("l1="+esc(testScheme+"://:"+pw1+"@h/?fail=1"), "l2="+esc("memory://")))
	if err == nil || strings.Contains(err.Error(), pw1) || !strings.Contains(err.Error(), "l1") {
		t.Errorf("failing L1: %v", err)
	}
}

func TestProvideURL(t *testing.T) {
	ctx := ctxT(t)
	a, cleanup, err := ProvideURL(ctx, URL(layeredURL("l2="+esc("memory://"))))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	cleanup()
	if _, err := a.Get(ctx, "k"); !errors.Is(err, adapter.ErrClosed) {
		t.Errorf("after cleanup: %v", err)
	}
	if _, _, err := ProvideURL(ctx, URL(layeredURL("l2="+esc("memory://"), "bogus=1"))); err == nil {
		t.Error("a bad URL was accepted")
	}
}

func TestConfigStringHidesPasswords(t *testing.T) {
	o, err := ParseURL(layeredURL("l1="+esc("memory://"), "l2="+esc("redis://:hunter2@cache:6379/0")))
	if err != nil {
		t.Fatal(err)
	}
	if s := o.String(); strings.Contains(s, "hunter2") || !strings.Contains(s, "cache:6379") {
		t.Errorf("String() = %s", s)
	}
}
