package mapdriver_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/conformance"
	_ "github.com/stratacache/strata/examples/mapdriver" // registers mapcache://
	"github.com/stratacache/strata/registry"
)

// TestConformance runs the whole suite on the driver, opened by its URL.
func TestConformance(t *testing.T) {
	conformance.RunSuite(t, "mapdriver", conformance.Harness{
		New: func(ctx context.Context) (adapter.Adapter, error) { return registry.Open(ctx, "mapcache://") },
	})
}

func TestURL(t *testing.T) {
	ctx := context.Background()
	c, err := strata.Open[string](ctx, "mapcache://", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Set(ctx, "k", "v", strata.DefaultTTL); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get(ctx, "k"); err != nil || v != "v" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if a, err := registry.Open(ctx, "mapcache://?size=10"); err == nil || a != nil {
		t.Fatalf("an unknown parameter: %v, %v; want an error and no adapter", a, err)
	}
}

// TestREADMEShowsThisDriver fails when the README's "Writing a driver" code block and
// mapdriver.go differ, so that they cannot drift apart.
func TestREADMEShowsThisDriver(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("mapdriver.go")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Writing a driver\n")
	if !ok {
		t.Fatal(`README.md has no "## Writing a driver" section`)
	}
	_, block, ok := strings.Cut(section, "\n```go\n")
	if !ok {
		t.Fatal(`README.md's "Writing a driver" section has no go code block`)
	}
	block, _, ok = strings.Cut(block, "\n```\n")
	if !ok {
		t.Fatal("README.md: the code block is not closed")
	}
	if block+"\n" != string(src) {
		t.Errorf("README.md's driver differs from examples/mapdriver/mapdriver.go: copy the file into the README")
	}
}
