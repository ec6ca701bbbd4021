package strata_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/layered"
	"github.com/stratacache/strata/serializer"
)

// viewCodecs are the codecs the View tests run with: Raw lends the stored bytes
// (over drivers that can), MsgPack decodes as Get does.
var viewCodecs = []struct {
	name  string
	codec serializer.Codec[[]byte]
}{{"raw", serializer.Raw[[]byte]()}, {"msgpack", nil}}

// viewOnce calls c.View and returns a copy of what fn saw, how many times fn ran,
// and View's error.
func viewOnce(ctx context.Context, c *strata.Cache[[]byte], key string) (got []byte, calls int, err error) {
	err = c.View(ctx, key, func(v []byte) error {
		calls++
		got = append([]byte(nil), v...)
		return nil
	})
	return got, calls, err
}

// TestViewSemantics: over every driver and codec View answers as Get does (hits,
// misses naming the caller's key, invalid keys, a dead ctx, a closed Cache), calls fn
// once per hit and never on a miss, and returns fn's errors as they are, those
// wrapping ErrNotFound included (drivers/layered must not take one for an L1 miss).
func TestViewSemantics(t *testing.T) {
	for _, d := range driverKinds(t) {
		for _, cd := range viewCodecs {
			t.Run(d.name+"/"+cd.name, func(t *testing.T) {
				ctx := testCtx(t)
				a := openDriver(t, d)
				c := strata.New(a, &strata.Options[[]byte]{Prefix: appPrefix, Codec: cd.codec})
				must(t, c.Set(ctx, "a", []byte("hello"), time.Hour))
				must(t, c.Set(ctx, "empty", []byte{}, time.Hour))

				if got, n, err := viewOnce(ctx, c, "a"); err != nil || n != 1 || string(got) != "hello" {
					t.Fatalf("View(a) saw %q in %d calls, %v; want hello in 1", got, n, err)
				}
				if got, n, err := viewOnce(ctx, c, "empty"); err != nil || n != 1 || len(got) != 0 {
					t.Fatalf("View(empty) saw %q in %d calls, %v; want an empty value in 1", got, n, err)
				}
				// The prefix is applied: the driver holds app:a, and a miss names the caller's key.
				if _, err := a.Get(ctx, appPrefix+"a"); err != nil {
					t.Fatalf("driver Get(%sa): %v", appPrefix, err)
				}
				_, n, err := viewOnce(ctx, c, "missing")
				var ke *strata.KeyError
				if !errors.Is(err, strata.ErrNotFound) || n != 0 || !errors.As(err, &ke) || ke.Key != "missing" {
					t.Fatalf("View(missing) = %v after %d calls; want ErrNotFound naming missing, no call", err, n)
				}
				if _, n, err := viewOnce(ctx, c, ""); !errors.Is(err, strata.ErrInvalidKey) || n != 0 {
					t.Fatalf("View(\"\") = %v after %d calls; want ErrInvalidKey", err, n)
				}
				if err := c.View(ctx, "a", nil); err == nil {
					t.Fatal("View with a nil fn returned nil")
				}

				// fn's errors come back as they are, once, even one wrapping ErrNotFound.
				for _, want := range []error{errors.New("caller's own"), fmt.Errorf("row gone: %w", strata.ErrNotFound)} {
					calls := 0
					err := c.View(ctx, "a", func([]byte) error { calls++; return want })
					if err != want || calls != 1 {
						t.Fatalf("View with fn failing %v = %v after %d calls; want fn's error as it is, 1 call", want, err, calls)
					}
				}

				// fn may call the Cache, even write the key it is viewing.
				err = c.View(ctx, "a", func(v []byte) error {
					if string(v) != "hello" {
						return fmt.Errorf("saw %q", v)
					}
					return c.Set(ctx, "a", []byte("bye"), time.Hour)
				})
				if got, _, _ := viewOnce(ctx, c, "a"); err != nil || string(got) != "bye" {
					t.Fatalf("View writing its key: %v, then saw %q; want nil, bye", err, got)
				}

				cancelled, cancel := context.WithCancel(ctx)
				cancel()
				if _, n, err := viewOnce(cancelled, c, "a"); !errors.Is(err, context.Canceled) || n != 0 {
					t.Fatalf("View with a cancelled ctx = %v after %d calls; want context.Canceled", err, n)
				}
				must(t, c.Close())
				if _, n, err := viewOnce(ctx, c, "a"); !errors.Is(err, strata.ErrClosed) || n != 0 {
					t.Fatalf("View after Close = %v after %d calls; want ErrClosed", err, n)
				}
			})
		}
	}
}

// TestViewNegativeCaching: a key a loader reported absent is ErrCachedAbsence to
// View as to Get, over every driver and codec; a Set ends it.
func TestViewNegativeCaching(t *testing.T) {
	for _, d := range driverKinds(t) {
		for _, cd := range viewCodecs {
			t.Run(d.name+"/"+cd.name, func(t *testing.T) {
				ctx := testCtx(t)
				c := strata.New(openDriver(t, d), &strata.Options[[]byte]{Prefix: appPrefix, Codec: cd.codec, NegativeTTL: time.Hour})
				gone := func(context.Context) ([]byte, error) { return nil, strata.ErrNotFound }
				if _, err := c.GetOrSet(ctx, "k", time.Hour, gone); !errors.Is(err, strata.ErrNotFound) {
					t.Fatalf("GetOrSet with an absent loader = %v", err)
				}
				if _, n, err := viewOnce(ctx, c, "k"); !errors.Is(err, strata.ErrCachedAbsence) || n != 0 {
					t.Fatalf("View(k) = %v after %d calls; want ErrCachedAbsence", err, n)
				}
				if _, _, err := viewOnce(ctx, c, "other"); err == nil || errors.Is(err, strata.ErrCachedAbsence) {
					t.Fatalf("View(other) = %v; want a plain miss", err)
				}
				must(t, c.Set(ctx, "k", []byte("v"), time.Hour))
				if got, _, err := viewOnce(ctx, c, "k"); err != nil || string(got) != "v" {
					t.Fatalf("View(k) after Set = %q, %v", got, err)
				}
			})
		}
	}
}

// failingCodec is a codec whose Unmarshal fails and may return its input (it does
// not implement serializer.CopyingUnmarshaler), so View lends it the stored bytes.
type failingCodec struct{ serializer.Codec[[]byte] }

var errBadBytes = errors.New("bad bytes")

func (failingCodec) Unmarshal([]byte) ([]byte, error) { return nil, errBadBytes }

// TestViewDecodeErrors: bytes the codec cannot decode are Get's error, naming the
// key, and fn is not called, through a lent read and a decoded one alike.
func TestViewDecodeErrors(t *testing.T) {
	ctx := testCtx(t)
	m := newMemory(t)
	raw := strata.New(m, &strata.Options[[]byte]{Codec: serializer.Raw[[]byte]()})
	must(t, raw.Set(ctx, "k", []byte("not msgpack"), time.Hour))

	mp := strata.New(m, &strata.Options[[]byte]{}) // msgpack: Get's decoded read
	var ke *strata.KeyError
	if _, n, err := viewOnce(ctx, mp, "k"); !errors.Is(err, strata.ErrCodec) || n != 0 || !errors.As(err, &ke) || ke.Key != "k" {
		t.Fatalf("msgpack View of raw bytes = %v after %d calls; want ErrCodec naming k", err, n)
	}
	bad := strata.New(m, &strata.Options[[]byte]{Codec: failingCodec{serializer.Raw[[]byte]()}})
	if _, n, err := viewOnce(ctx, bad, "k"); !errors.Is(err, errBadBytes) || n != 0 || !errors.As(err, &ke) || ke.Key != "k" {
		t.Fatalf("lent View with a failing codec = %v after %d calls; want the codec's error naming k", err, n)
	}
}

// TestViewLendsStoredBytes: over drivers/memory and drivers/layered's L1, View of a
// Raw []byte Cache hands fn the stored bytes themselves (two Views see one array),
// with no spare capacity to append into; with MsgPack, or over Redis, each call
// gets its own.
func TestViewLendsStoredBytes(t *testing.T) {
	for _, d := range driverKinds(t) {
		for _, cd := range viewCodecs {
			t.Run(d.name+"/"+cd.name, func(t *testing.T) {
				ctx := testCtx(t)
				c := strata.New(openDriver(t, d), &strata.Options[[]byte]{Codec: cd.codec})
				must(t, c.Set(ctx, "k", bytes.Repeat([]byte("x"), 1024), time.Hour))
				if l, ok := c.Adapter().(*layered.Adapter); ok {
					eventually(t, 30*time.Second, "layered healthy", l.Healthy)
				}
				viewed := func() *byte {
					var p *byte
					must(t, c.View(ctx, "k", func(v []byte) error {
						if cap(v) != len(v) {
							t.Errorf("View lent %d bytes with capacity %d; want none spare", len(v), cap(v))
						}
						p = &v[0]
						return nil
					}))
					return p
				}
				_ = viewed() // layered: the first read may come from L2 and fill L1
				shared := viewed() == viewed()
				if want := cd.name == "raw" && d.name != "redis"; shared != want {
					t.Fatalf("two Views shared one array: %v; want %v", shared, want)
				}
			})
		}
	}
}

// viewFn is a View callback capturing nothing, as a hot path would write it.
func viewFn(v []byte) error {
	if len(v) == 0 {
		return errors.New("empty")
	}
	return nil
}

// TestViewObserved: View counts and traces as a Get: hits and misses under op get,
// a span strata.Get with strata.hit; fn's error is a hit, neither a cache error nor
// a failed span.
func TestViewObserved(t *testing.T) {
	ctx := testCtx(t)
	m := newTestMeter(t)
	tp, rec := newTracer(t)
	c := strata.New(newMemory(t), &strata.Options[[]byte]{Codec: serializer.Raw[[]byte](), Name: "v",
		MeterProvider: m, TracerProvider: tp})
	must(t, c.Set(ctx, "a", []byte("1"), time.Hour))
	must(t, c.View(ctx, "a", viewFn))
	if err := c.View(ctx, "a", func([]byte) error { return errBadBytes }); err != errBadBytes {
		t.Fatalf("View with fn failing = %v", err)
	}
	if err := c.View(ctx, "b", viewFn); !errors.Is(err, strata.ErrNotFound) {
		t.Fatalf("View(b) = %v", err)
	}
	s := c.Stats()
	if s.Hits != 2 || s.Misses != 1 || s.Errors != (strata.ErrorStats{}) {
		t.Fatalf("Stats() = %+v; want 2 hits, 1 miss, no errors", s)
	}
	ms := m.collect(t)
	ms.want(t, "strata.cache.hits", 2, attribute.String("cache", "v"), attribute.String("driver", "memory"), op("get"))
	ms.want(t, "strata.cache.misses", 1, attribute.String("cache", "v"), attribute.String("driver", "memory"), op("get"))

	spans := spansNamed(rec, "strata.Get")
	if len(spans) != 3 {
		t.Fatalf("%d strata.Get spans for 3 Views", len(spans))
	}
	for i, wantHit := range []bool{true, true, false} {
		sp := spans[i]
		if got := attrs(sp)["strata.hit"]; got.AsBool() != wantHit {
			t.Errorf("span %d: strata.hit = %v; want %v", i, got.AsBool(), wantHit)
		}
		if sp.Status().Code != 0 { // codes.Unset
			t.Errorf("span %d: status %v; want unset (no cache error)", i, sp.Status())
		}
	}
}

// TestViewUnknownViewerDriverFallsBack: over a driver that cannot lend (a plain
// adapter.Adapter wrapping memory), View reads as Get does and fn gets a copy.
func TestViewUnknownViewerDriverFallsBack(t *testing.T) {
	ctx := testCtx(t)
	m := newMemory(t)
	c := strata.New[[]byte](struct{ adapter.Adapter }{m}, &strata.Options[[]byte]{Codec: serializer.Raw[[]byte]()})
	must(t, c.Set(ctx, "k", []byte("v"), time.Hour))
	var first *byte
	for range 2 {
		must(t, c.View(ctx, "k", func(v []byte) error {
			if string(v) != "v" {
				return fmt.Errorf("saw %q", v)
			}
			if first == &v[0] {
				return errors.New("two reads shared one array through a driver that cannot lend")
			}
			first = &v[0]
			return nil
		}))
	}
}
