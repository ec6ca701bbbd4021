package memory_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/registry"
)

func TestOpenThroughRegistry(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want memory.Options
	}{
		{"memory://", memory.Options{MaxCost: memory.DefaultMaxCost, NumCounters: memory.DefaultMaxCost / 100, BufferItems: 64}},
		{"memory:///", memory.Options{MaxCost: memory.DefaultMaxCost, NumCounters: memory.DefaultMaxCost / 100, BufferItems: 64}},
		{"MEMORY://?max_cost=2MiB&grace=30s", memory.Options{MaxCost: 2 << 20, Grace: 30 * time.Second, NumCounters: 20971, BufferItems: 64}},
		{"memory://?max_cost=10MB&num_counters=5000&buffer_items=128", memory.Options{MaxCost: 10e6, NumCounters: 5000, BufferItems: 128}},
		{"memory://?max_cost=1048576", memory.Options{MaxCost: 1 << 20, NumCounters: 10485, BufferItems: 64}},
	} {
		a, err := registry.Open(context.Background(), tc.url)
		if err != nil {
			t.Errorf("Open(%q): %v", tc.url, err)
			continue
		}
		m, ok := a.(*memory.Adapter)
		if !ok {
			t.Errorf("Open(%q) = %T, want *memory.Adapter", tc.url, a)
		} else if got := m.Options(); got != tc.want {
			t.Errorf("Open(%q) options = %+v, want %+v", tc.url, got, tc.want)
		}
		_ = a.Close()
	}
}

func TestOpenBadURLs(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"memory://?max_cost=lots", "max_cost"},
		{"memory://?max_cost=64XB", "max_cost"},
		{"memory://?max_cost=-1", "max_cost"},
		{"memory://?max_cost=64", "less than 1 KiB"},
		{"memory://?grace=soon", "grace"},
		{"memory://?grace=-1s", "grace"},
		{"memory://?num_counters=x", "num_counters"},
		{"memory://?buffer_items=-3", "buffer_items"},
		{"memory://?grcae=30s", "grcae"},
		{"memory://?max_cost=1MiB&max_cost=2MiB", "max_cost"},
		{"memory://localhost", "no user, host, path"},
		{"memory://user:secret@/", "no user, host, path"},
		{"memory:///some/path", "no user, host, path"},
		{"memory:opaque", `lacks "//"`},
	} {
		a, err := registry.Open(context.Background(), tc.url)
		if err == nil {
			_ = a.Close()
			t.Errorf("Open(%q) succeeded", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%q) = %v; want it to mention %q", tc.url, err, tc.want)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) error leaks the password: %v", tc.url, err)
		}
	}
}

func TestEntryPoints(t *testing.T) {
	a, err := memory.OpenURL(context.Background(), "memory://?max_cost=4MiB")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Options().MaxCost != 4<<20 {
		t.Errorf("MaxCost = %d", a.Options().MaxCost)
	}
	o, err := memory.ParseURL("memory://?max_cost=4MiB&grace=2s")
	if err != nil || o.MaxCost != 4<<20 || o.Grace != 2*time.Second {
		t.Errorf("ParseURL = %+v, %v", o, err)
	}

	for _, bad := range []string{"redis://host", "memory://user:secret@host", "memory://?bogus=1", "memory:/x"} {
		if a, err := memory.OpenURL(context.Background(), bad); err == nil || a != nil {
			t.Errorf("OpenURL(%q) = %v, %v; want an error and no adapter", bad, a, err)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("OpenURL(%q) error leaks the password: %v", bad, err)
		}
		if _, err := memory.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) succeeded", bad)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := memory.OpenURL(ctx, "memory://"); !errors.Is(err, context.Canceled) {
		t.Errorf("OpenURL(cancelled ctx) = %v", err)
	}
	if _, err := memory.Open(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Open(cancelled ctx) = %v", err)
	}
}

func TestProvideURL(t *testing.T) {
	a, cleanup, err := memory.ProvideURL(context.Background(), "memory://?max_cost=1MiB")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	cleanup()
	if err := a.Ping(context.Background()); err == nil {
		t.Error("cleanup did not close the adapter")
	}
	if _, _, err := memory.ProvideURL(context.Background(), "memory://?max_cost=-1"); err == nil {
		t.Error("ProvideURL with bad options succeeded")
	}
}
