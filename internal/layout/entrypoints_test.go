package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// entryPoints are the exported names every in-tree driver offers, one name for each
// way in (adapter/doc.go, "Driver entry points").
var entryPoints = []string{
	"Scheme",      // the URL scheme it registers
	"ParseURL",    // URL -> its configuration, opening nothing
	"Open",        // configuration -> adapter
	"OpenURL",     // URL -> adapter
	"URL",         // the URL type wire providers take
	"ProvideURL",  // wire provider: URL -> adapter + cleanup
	"ProviderSet", // wire set of ProvideURL
}

// wrappers are the drivers that wrap something the caller already has (a go-redis
// client, two adapters) with New; the memory driver has nothing to wrap.
var wrappers = map[string]bool{"redis": true, "layered": true}

func TestDriversHaveTheSameEntryPoints(t *testing.T) {
	dirs, err := filepath.Glob("../../drivers/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || filepath.Base(dir) == "all" {
			continue
		}
		name := filepath.Base(dir)
		got := exportedNames(t, dir)
		want := entryPoints
		if wrappers[name] {
			want = append(want[:len(want):len(want)], "New")
		} else if got["New"] {
			t.Errorf("drivers/%s has New but wraps nothing: open from options is Open", name)
		}
		for _, n := range want {
			if !got[n] {
				t.Errorf("drivers/%s lacks the entry point %s", name, n)
			}
		}
	}
}

// exportedNames returns the package-level exported names declared in dir's non-test
// files.
func exportedNames(t *testing.T, dir string) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	names := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.ValueSpec:
						for _, n := range s.Names {
							names[n.Name] = n.IsExported()
						}
					case *ast.TypeSpec:
						names[s.Name.Name] = s.Name.IsExported()
					}
				}
			}
		}
	}
	return names
}
