package strata_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
)

// noClear hides every optional capability of the adapter it wraps, Clearer included.
type noClear struct{ adapter.Adapter }

// clearRecorder records the prefixes Clear is called with.
type clearRecorder struct {
	adapter.Adapter
	prefixes []string
}

func (r *clearRecorder) Clear(_ context.Context, prefix string) error {
	r.prefixes = append(r.prefixes, prefix)
	return nil
}

func TestClearClearsExactlyTheCachesNamespace(t *testing.T) {
	ctx := context.Background()
	mem := newMemory(t)
	shop := strata.New[string](mem, &strata.Options[string]{Prefix: "shop:"})
	blog := strata.New[string](mem, &strata.Options[string]{Prefix: "blog:"})
	for _, k := range []string{"a", "b", "shop:x"} {
		if err := shop.Set(ctx, k, "v", time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := blog.Set(ctx, k, "v", time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := shop.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := shop.GetMany(ctx, "a", "b", "shop:x"); err != nil || len(got) != 0 {
		t.Errorf("shop after its Clear: %v, %v", got, err)
	}
	if got, err := blog.GetMany(ctx, "a", "b", "shop:x"); err != nil || len(got) != 3 {
		t.Errorf("blog after shop's Clear: %v, %v (want all 3 keys)", got, err)
	}

	rec := &clearRecorder{Adapter: mem}
	for _, p := range []string{"users:", ""} {
		if err := strata.New[string](rec, &strata.Options[string]{Prefix: p}).Clear(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(rec.prefixes, "|") != "users:|" {
		t.Errorf("Clear passed the prefixes %q, want the caches' prefixes", rec.prefixes)
	}
}

func TestClearWithoutClearerIsUnsupported(t *testing.T) {
	c := strata.New[string](noClear{newMemory(t)}, &strata.Options[string]{Prefix: "p:"})
	err := c.Clear(context.Background())
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "Clearer") {
		t.Errorf("Clear over an adapter without Clearer = %v, want errors.ErrUnsupported naming adapter.Clearer", err)
	}
}

func TestClearAfterCloseAndWithEndedContext(t *testing.T) {
	c := strata.New[string](newMemory(t), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Clear(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Clear with a cancelled context = %v", err)
	}
	_ = c.Close()
	if err := c.Clear(context.Background()); !errors.Is(err, strata.ErrClosed) {
		t.Errorf("Clear after Close = %v, want ErrClosed", err)
	}
	if err := strata.New[string](nil, nil).Clear(context.Background()); !errors.Is(err, strata.ErrClosed) {
		t.Errorf("Clear of a cache with a nil adapter = %v, want ErrClosed", err)
	}
}
