package layout

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/stratacache/strata"

// owners maps a third-party library to the package trees allowed to import it.
var owners = map[string][]string{
	"github.com/redis/go-redis/v9":      {module + "/drivers/redis"},
	"github.com/dgraph-io/ristretto/v2": {module + "/drivers/memory"},
	"github.com/onsi/ginkgo/v2":         {module + "/conformance"},
	"github.com/onsi/gomega":            {module + "/conformance"},
}

// core packages must not depend on any backend or test library, even transitively.
var core = []string{module, module + "/adapter", module + "/serializer", module + "/registry"}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages; is the module layout intact?", len(pkgs))
	}
	return pkgs
}

func within(path, tree string) bool { return path == tree || strings.HasPrefix(path, tree+"/") }

func ownerOf(imp string) (string, bool) {
	for lib := range owners {
		if within(imp, lib) {
			return lib, true
		}
	}
	return "", false
}

func TestOnlyOwnersImportBackendLibraries(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, imp := range p.Imports {
			lib, ok := ownerOf(imp)
			if !ok {
				continue
			}
			allowed := false
			for _, tree := range owners[lib] {
				allowed = allowed || within(p.ImportPath, tree)
			}
			if !allowed {
				t.Errorf("%s imports %s; only %v may (see shared/DESIGN.md, Layout)", p.ImportPath, imp, owners[lib])
			}
		}
	}
}

func TestCorePackagesStayFree(t *testing.T) {
	seen := 0
	for _, p := range listPackages(t) {
		isCore := false
		for _, c := range core {
			isCore = isCore || p.ImportPath == c
		}
		if !isCore {
			continue
		}
		seen++
		for _, d := range p.Deps {
			if lib, ok := ownerOf(d); ok {
				t.Errorf("%s depends on %s (through %s); core packages must not", p.ImportPath, lib, d)
			}
		}
	}
	if seen != len(core) {
		t.Fatalf("found %d of the %d core packages", seen, len(core))
	}
}

// otelSDK reports whether the import path imp is OpenTelemetry's SDK or one of its
// exporters: what an application chooses, never a library (see shared/DESIGN.md,
// Observability). The API (go.opentelemetry.io/otel, /metric, /trace, ...) is fine.
func otelSDK(imp string) bool {
	return within(imp, "go.opentelemetry.io/otel/sdk") || within(imp, "go.opentelemetry.io/otel/exporters")
}

// TestOnlyExamplesUseTheOTelSDK: no package outside examples/ depends on the
// OpenTelemetry SDK or an exporter (tests may: go list's Deps leaves test files out).
func TestOnlyExamplesUseTheOTelSDK(t *testing.T) {
	for _, p := range listPackages(t) {
		if within(p.ImportPath, module+"/examples") {
			continue
		}
		for _, d := range p.Deps {
			if otelSDK(d) {
				t.Errorf("%s depends on %s; only examples/ and tests may use the OpenTelemetry SDK or exporters", p.ImportPath, d)
				break
			}
		}
	}
}

func TestOTelSDKRuleCatchesAViolation(t *testing.T) {
	for _, imp := range []string{"go.opentelemetry.io/otel/sdk", "go.opentelemetry.io/otel/sdk/metric",
		"go.opentelemetry.io/otel/sdk/trace/tracetest", "go.opentelemetry.io/otel/exporters/prometheus",
		"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"} {
		if !otelSDK(imp) {
			t.Errorf("otelSDK(%q) = false", imp)
		}
	}
	for _, imp := range []string{"go.opentelemetry.io/otel", "go.opentelemetry.io/otel/metric",
		"go.opentelemetry.io/otel/trace", "go.opentelemetry.io/otel/attribute", "go.opentelemetry.io/otel/sdkx"} {
		if otelSDK(imp) {
			t.Errorf("otelSDK(%q) = true; the API is allowed", imp)
		}
	}
}

func TestOwnerRuleCatchesAViolation(t *testing.T) {
	// The rule itself must be able to fail: a core path importing ristretto is caught.
	lib, ok := ownerOf("github.com/dgraph-io/ristretto/v2/z")
	if !ok || lib != "github.com/dgraph-io/ristretto/v2" {
		t.Fatalf("ownerOf missed a ristretto subpackage: %q %v", lib, ok)
	}
	if within(module+"/adapter", module+"/drivers/memory") {
		t.Fatal("within treats adapter as part of drivers/memory")
	}
	if within(module+"/drivers/memoryx", module+"/drivers/memory") {
		t.Fatal("within treats a sibling with a shared name prefix as inside the tree")
	}
}
