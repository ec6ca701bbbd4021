package memory_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/serializer"
)

func TestViewLendsValue(t *testing.T) {
	a := open(t, nil)
	mustSet(t, a, "k", []byte("hello"), time.Minute)
	calls := 0
	err := a.View(bg, "k", func(v []byte) error {
		calls++
		if string(v) != "hello" {
			t.Errorf("View saw %q, want hello", v)
		}
		if cap(v) != len(v) {
			t.Errorf("lent slice has spare capacity %d: an append would write into the entry", cap(v)-len(v))
		}
		return nil
	})
	if err != nil || calls != 1 {
		t.Fatalf("View: err %v, %d calls", err, calls)
	}
	// An append by fn must not change what the next reader sees.
	_ = a.View(bg, "k", func(v []byte) error { _ = append(v, '!'); return nil })
	mustGet(t, a, "k", []byte("hello"))
}

func TestViewErrors(t *testing.T) {
	synctest.Test(t, testViewErrors) // fake time, for the expired key
}

func testViewErrors(t *testing.T) {
	a := open(t, nil)
	mustSet(t, a, "k", []byte("v"), time.Minute)
	boom := errors.New("boom")
	if err := a.View(bg, "k", func([]byte) error { return boom }); err != boom {
		t.Fatalf("fn's error: got %v, want it as it is", err)
	}
	noCall := func([]byte) error { t.Error("fn called"); return nil }
	if err := a.View(bg, "missing", noCall); !errors.Is(err, adapter.ErrNotFound) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("miss: %v", err)
	}
	if err := a.View(bg, "", noCall); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("empty key (which cannot be stored): %v; want a miss", err)
	}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if err := a.View(ctx, "k", noCall); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}
	mustSet(t, a, "short", []byte("v"), time.Millisecond)
	time.Sleep(time.Millisecond)
	if err := a.View(bg, "short", noCall); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("expired: %v", err)
	}
	_ = a.Close()
	if err := a.View(bg, "k", noCall); !errors.Is(err, adapter.ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
}

// Cache[[]byte] must return a copy whatever the codec: with Raw it never views, and
// with msgpack (which views) the decoded slice must not alias the stored entry.
func TestCacheBytesNoAliasThroughView(t *testing.T) {
	for _, codec := range []serializer.Codec[[]byte]{serializer.Raw[[]byte](), serializer.MsgPack[[]byte](),
		serializer.JSON[[]byte](), serializer.Gob[[]byte]()} {
		t.Run(codec.Name(), func(t *testing.T) {
			c := strata.New(open(t, nil), &strata.Options[[]byte]{Codec: codec})
			if err := c.Set(bg, "k", []byte("original"), time.Minute); err != nil {
				t.Fatal(err)
			}
			got, err := c.Get(bg, "k")
			if err != nil || string(got) != "original" {
				t.Fatalf("Get: %q, %v", got, err)
			}
			for i := range got {
				got[i] = 'X'
			}
			_ = append(got[:0], "overwrite!"...)
			again, err := c.Get(bg, "k")
			if err != nil || string(again) != "original" {
				t.Fatalf("after mutating a returned value, Get = %q, %v: the cache handed out its own memory", again, err)
			}
		})
	}
}

type viewItem struct {
	Name string   `msgpack:"name"`
	Tags []string `msgpack:"tags"`
	Blob []byte   `msgpack:"blob"`
}

func TestCacheStructNoAliasThroughView(t *testing.T) {
	c := strata.New(open(t, nil), &strata.Options[viewItem]{Prefix: "p:"})
	want := viewItem{Name: "n", Tags: []string{"a", "b"}, Blob: []byte("blob")}
	if err := c.Set(bg, "k", want, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(bg, "k")
	if err != nil {
		t.Fatal(err)
	}
	got.Blob[0], got.Tags[0] = 'X', "X"
	again, err := c.Get(bg, "k")
	if err != nil || string(again.Blob) != "blob" || again.Tags[0] != "a" {
		t.Fatalf("after mutating a returned value, Get = %+v, %v", again, err)
	}
}

func TestCacheCodecErrorThroughView(t *testing.T) {
	a := open(t, nil)
	mustSet(t, a, "p:bad", []byte("not msgpack"), time.Minute)
	c := strata.New(a, &strata.Options[viewItem]{Prefix: "p:"})
	_, err := c.Get(bg, "bad")
	var ke *adapter.KeyError
	if !errors.Is(err, adapter.ErrCodec) || !errors.As(err, &ke) || ke.Key != "bad" {
		t.Fatalf("undecodable value: %v (want ErrCodec naming key \"bad\")", err)
	}
	// The pooled decoder state must not leak the failed call into the next one.
	if err := c.Set(bg, "good", viewItem{Name: "g"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get(bg, "good"); err != nil || v.Name != "g" {
		t.Fatalf("Get after a codec error: %+v, %v", v, err)
	}
	if _, err := c.Get(bg, "missing"); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("miss: %v", err)
	}
	_ = c.Close()
	if _, err := c.Get(bg, "good"); !errors.Is(err, adapter.ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
}

// Readers viewing a key while it is overwritten always see one whole value (run
// with -race).
func TestViewConcurrentOverwrite(t *testing.T) {
	a := open(t, nil)
	vals := [][]byte{bytes.Repeat([]byte("a"), 64), bytes.Repeat([]byte("b"), 64)}
	mustSet(t, a, "k", vals[0], time.Minute)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			mustSet(t, a, "k", vals[i%2], time.Minute)
		}
	}()
	for range 2000 {
		_ = a.View(bg, "k", func(v []byte) error {
			if !bytes.Equal(v, vals[0]) && !bytes.Equal(v, vals[1]) {
				t.Errorf("torn value %q", v)
			}
			return nil
		})
	}
	close(stop)
	wg.Wait()
}
