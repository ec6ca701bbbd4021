package redis

import (
	"context"
	"os"
	"os/exec"
	"reflect"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/serializer"
)

// pythonPath is the interpreter the interop test runs: Debian's, whose redis
// module comes from python3-redis (installed by scripts/ensure-redis, which
// `make test` runs), so a missing module is a failure, not a skip.
const pythonPath = "/usr/bin/python3"

// interopUser has the field names a Python program would use.
type interopUser struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Tags   []string `json:"tags"`
	Score  float64  `json:"score"`
	Active bool     `json:"active"`
}

// pythonInterop is the Python side: it reads what Go wrote under PREFIX with
// json.loads and as raw bytes, checks it, then writes a plain JSON object and a
// raw string for Go to read. Any failed check raises, so python3 exits non-zero.
const pythonInterop = `
import json, os, redis
r = redis.Redis.from_url(os.environ["STRATA_INTEROP_URL"])
p = os.environ["STRATA_INTEROP_PREFIX"]

data = r.get(p + "go-json")
assert data is not None, "go-json is missing"
v = json.loads(data)
want = {"id": 42, "name": "Zo\u00eb <admin>", "tags": ["a", "b"], "score": 3.25, "active": True}
assert v == want, "json.loads gave %r, want %r" % (v, want)
assert 0 < r.pttl(p + "go-json") <= 3600000, "go-json has no TTL"

data = r.get(p + "go-raw")
assert data == "h\u00e9llo from Go".encode(), "go-raw is %r" % (data,)

r.set(p + "py-json", json.dumps({"name": "from Python", "id": 7, "tags": ["x"], "score": 0.5, "active": False}))
r.set(p + "py-raw", "h\u00e9llo from Python".encode())
`

// TestInteropWithPython proves the promise of plain JSON and raw values: a
// real non-Go client (Python's redis package) reads with json.loads what a
// strata.Cache with the JSON codec wrote, and the cache reads the plain JSON
// Python wrote; raw strings cross both ways unchanged.
func TestInteropWithPython(t *testing.T) {
	ctx := ctxT(t)
	raw := serverURL(t)
	a := newTestAdapter(t, client(t, raw), Options{})
	users := strata.New(a, &strata.Options[interopUser]{Codec: serializer.JSON[interopUser](), Prefix: "interop:"})
	texts := strata.New(a, &strata.Options[string]{Codec: serializer.Raw[string](), Prefix: "interop:"})

	sent := interopUser{ID: 42, Name: "Zoë <admin>", Tags: []string{"a", "b"}, Score: 3.25, Active: true}
	if err := users.Set(ctx, "go-json", sent, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := texts.Set(ctx, "go-raw", "héllo from Go", time.Hour); err != nil {
		t.Fatal(err)
	}

	runPython(ctx, t, pythonInterop,
		"STRATA_INTEROP_URL="+raw, "STRATA_INTEROP_PREFIX="+a.Prefix()+"interop:")

	got, err := users.Get(ctx, "py-json")
	if err != nil {
		t.Fatalf("reading the JSON Python wrote: %v", err)
	}
	want := interopUser{ID: 7, Name: "from Python", Tags: []string{"x"}, Score: 0.5}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON from Python = %#v, want %#v", got, want)
	}
	if s, err := texts.Get(ctx, "py-raw"); err != nil || s != "héllo from Python" {
		t.Errorf("raw string from Python = %q, %v", s, err)
	}
}

// runPython runs script with /usr/bin/python3 and the extra environment, and
// fails the test with Python's output if it exits non-zero.
func runPython(ctx context.Context, t *testing.T, script string, env ...string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, pythonPath, "-c", script)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s failed (a missing redis module means: run scripts/ensure-redis): %v\n%s", pythonPath, err, out)
	}
}
