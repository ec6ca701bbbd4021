package layered

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/serializer"
)

func TestView(t *testing.T) {
	ctx := context.Background()
	l1, l2 := newMem(t, nil), newMem(t, nil)
	a := newLayered(t, l1, l2, nil)
	if err := a.Set(ctx, "k", []byte("v1"), time.Minute); err != nil {
		t.Fatal(err)
	}
	calls := 0
	see := func(want string) func([]byte) error {
		return func(v []byte) error {
			calls++
			if string(v) != want {
				t.Errorf("View saw %q, want %q", v, want)
			}
			return nil
		}
	}
	if err := a.View(ctx, "k", see("v1")); err != nil || calls != 1 {
		t.Fatalf("L1 hit: %v, %d calls", err, calls)
	}
	// Only in L2: read through, fn called once with L2's value.
	if err := l2.Set(ctx, "only2", []byte("v2"), time.Minute); err != nil {
		t.Fatal(err)
	}
	calls = 0
	if err := a.View(ctx, "only2", see("v2")); err != nil || calls != 1 {
		t.Fatalf("L2 read-through: %v, %d calls", err, calls)
	}
	// fn's error is returned as it is, and fn is not called again from L2.
	boom := errors.New("boom")
	calls = 0
	if err := a.View(ctx, "k", func([]byte) error { calls++; return boom }); err != boom || calls != 1 {
		t.Fatalf("fn error: %v, %d calls", err, calls)
	}
	noCall := func([]byte) error { t.Error("fn called"); return nil }
	if err := a.View(ctx, "missing", noCall); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("miss: %v", err)
	}
	if err := a.View(ctx, "", noCall); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("empty key (which the memory layers cannot store): %v; want a miss", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := a.View(cctx, "k", noCall); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	_ = a.Close()
	if err := a.View(ctx, "k", noCall); !errors.Is(err, adapter.ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
}

// Values returned by Cache over the layered adapter's L1 never alias L1's entries.
func TestCacheThroughViewNoAlias(t *testing.T) {
	ctx := context.Background()
	a := newLayered(t, newMem(t, nil), newMem(t, nil), nil)
	for _, codec := range []serializer.Codec[[]byte]{serializer.Raw[[]byte](), serializer.MsgPack[[]byte]()} {
		c := strata.New(a, &strata.Options[[]byte]{Codec: codec, Prefix: codec.Name() + ":"})
		if err := c.Set(ctx, "k", []byte("original"), time.Minute); err != nil {
			t.Fatal(err)
		}
		got, err := c.Get(ctx, "k")
		if err != nil || string(got) != "original" {
			t.Fatalf("%s: Get %q, %v", codec.Name(), got, err)
		}
		copy(got, "XXXXXXXX")
		if again, err := c.Get(ctx, "k"); err != nil || string(again) != "original" {
			t.Fatalf("%s: after mutating a returned value, Get = %q, %v", codec.Name(), again, err)
		}
	}
	// Undecodable bytes in L1 (written raw): ErrCodec naming the key.
	if err := a.Set(ctx, "bad", []byte("junk"), time.Minute); err != nil {
		t.Fatal(err)
	}
	var ke *adapter.KeyError
	if _, err := strata.New[int](a, nil).Get(ctx, "bad"); !errors.Is(err, adapter.ErrCodec) || !errors.As(err, &ke) || ke.Key != "bad" {
		t.Fatalf("undecodable: %v", err)
	}
}
