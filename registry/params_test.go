package registry_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata/registry"
)

func TestParseSize(t *testing.T) {
	good := map[string]int64{
		"0": 0, "1000": 1000, "64MiB": 64 << 20, "64mib": 64 << 20, "10MB": 10e6,
		"512KiB": 512 << 10, "1GiB": 1 << 30, "2 GB": 2e9, "7B": 7, "3K": 3 << 10,
	}
	for in, want := range good {
		got, err := registry.ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1", "1.5MiB", "ten", "99999999999TiB"} {
		if n, err := registry.ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, n)
		}
	}
}

func params(t *testing.T, raw string) *registry.Params {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return registry.NewParams(u)
}

func TestParamsReadsEveryKind(t *testing.T) {
	p := params(t, "x://?d=30s&s=2MiB&n=7&b=true&str=app:")
	if d := p.Duration("d", 0); d != 30*time.Second {
		t.Errorf("Duration = %v", d)
	}
	if s := p.Size("s", 0); s != 2<<20 {
		t.Errorf("Size = %d", s)
	}
	if n := p.Int("n", 0); n != 7 {
		t.Errorf("Int = %d", n)
	}
	if b := p.Bool("b", false); !b {
		t.Error("Bool = false")
	}
	if s := p.String("str", ""); s != "app:" {
		t.Errorf("String = %q", s)
	}
	if d := p.Duration("absent", time.Minute); d != time.Minute {
		t.Errorf("default Duration = %v", d)
	}
	if err := p.Done(); err != nil {
		t.Fatal(err)
	}
}

func TestParamsRejectsUnknownAndMalformed(t *testing.T) {
	p := params(t, "x://?grace=1s&grcae=30s")
	p.Duration("grace", 0)
	err := p.Done()
	if err == nil || !strings.Contains(err.Error(), "grcae") || !strings.Contains(err.Error(), "grace") {
		t.Fatalf("Done() = %v; want an error naming the unknown grcae and the accepted grace", err)
	}
	for _, raw := range []string{"x://?d=-1s", "x://?d=soon", "x://?d=1s&d=2s"} {
		p := params(t, raw)
		p.Duration("d", 0)
		if err := p.Done(); err == nil {
			t.Errorf("%s: Done() = nil, want an error", raw)
		}
	}
	p = params(t, "x://?n=-3&b=maybe&s=lots")
	p.Int("n", 0)
	p.Bool("b", false)
	p.Size("s", 0)
	if err := p.Done(); err == nil || !strings.Contains(err.Error(), "n=") {
		t.Fatalf("Done() = %v; want the first malformed value (n)", err)
	}
}
