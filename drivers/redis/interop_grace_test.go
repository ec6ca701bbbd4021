package redis

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/serializer"
)

// pythonGrace is the Python side of TestGraceInteropTable: it sees the 9-byte
// grace header in front of what a grace-on adapter wrote (the header is
// Strata-private, so a plain reader gets it as part of the value), and writes a
// plain JSON value for the grace-on adapter to refuse.
const pythonGrace = `
import json, os, redis
r = redis.Redis.from_url(os.environ["STRATA_INTEROP_URL"])
p = os.environ["STRATA_INTEROP_PREFIX"]
data = r.get(p + "graced")
assert data is not None, "graced is missing"
assert len(data) == 9 + len(b'"hello"') and data[0] == 0xA7, "graced is %r" % (data,)
assert json.loads(data[9:]) == "hello", "payload after the header is %r" % (data[9:],)
r.set(p + "plain", json.dumps("from Python"))
`

// TestGraceInteropTable proves the grace rows of docs/interop.md on a real
// server with Python's redis client: a plain reader gets the header as part of
// the value (only the header's reader can tell), a grace-on adapter refuses a
// value without the header, and a grace-off cache with a codec that can tell
// names the grace setting instead of calling the value corrupt.
func TestGraceInteropTable(t *testing.T) {
	ctx := ctxT(t)
	raw := serverURL(t)
	c := client(t, raw)
	prefix := redistest.RandomPrefix()
	graced := newTestAdapter(t, c, Options{Prefix: prefix, Grace: time.Minute})
	plain := newTestAdapter(t, c, Options{Prefix: prefix})
	opts := &strata.Options[string]{Codec: serializer.JSON[string](), Prefix: "grace-interop:"}
	withGrace, withoutGrace := strata.New(graced, opts), strata.New(plain, opts)

	if err := withGrace.Set(ctx, "graced", "hello", time.Hour); err != nil {
		t.Fatal(err)
	}
	runPython(ctx, t, pythonGrace,
		"STRATA_INTEROP_URL="+raw, "STRATA_INTEROP_PREFIX="+graced.Prefix()+"grace-interop:")

	_, err := withoutGrace.Get(ctx, "graced")
	if !errors.Is(err, strata.ErrCodec) || !strings.Contains(err.Error(), "same grace setting") {
		t.Errorf("a grace-off JSON cache reading a grace-on value: %v, want ErrCodec naming the grace setting", err)
	}
	_, err = withGrace.Get(ctx, "plain")
	if !errors.Is(err, strata.ErrCodec) || !strings.Contains(err.Error(), "same grace setting") {
		t.Errorf("a grace-on cache reading Python's plain value: %v, want ErrCodec naming the grace setting", err)
	}
	if s, err := withoutGrace.Get(ctx, "plain"); err != nil || s != "from Python" {
		t.Errorf("a grace-off JSON cache reading Python's value: %q, %v", s, err)
	}
}
