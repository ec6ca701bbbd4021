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

// TestGetManyServesWhatDecodes: one value the codec cannot read (written by
// another program, or before a type change) must not hide the others.
func TestGetManyServesWhatDecodes(t *testing.T) {
	ctx := context.Background()
	m := newMemory(t)
	c := strata.New[profile](m, &strata.Options[profile]{Prefix: "p:"})
	for _, k := range []string{"a", "b"} {
		if err := c.Set(ctx, k, profile{Name: k}, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Set(ctx, "p:foreign", []byte("written by another program"), time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		name string
		c    *strata.Cache[profile]
	}{
		{"batcher", c},
		{"one Get per key", strata.New[profile](getOnly{m}, &strata.Options[profile]{Prefix: "p:"})},
	} {
		got, err := a.c.GetMany(ctx, "a", "foreign", "missing", "b")
		if len(got) != 2 || got["a"].Name != "a" || got["b"].Name != "b" {
			t.Errorf("%s: GetMany = %v, %v; want a and b despite the foreign value", a.name, got, err)
		}
		var be *adapter.BatchError
		if !errors.As(err, &be) || !errors.Is(err, strata.ErrCodec) || len(be.Errs) != 1 || be.Errs["foreign"] == nil {
			t.Fatalf("%s: GetMany error = %v; want a *BatchError naming only \"foreign\", wrapping ErrCodec", a.name, err)
		}
		if msg := err.Error(); !strings.Contains(msg, `"foreign"`) || strings.Contains(msg, "p:foreign") {
			t.Errorf("%s: message %q should name the caller's key, not the prefixed one", a.name, msg)
		}
	}
}

// getOnly hides every optional capability of the adapter it wraps.
type getOnly struct{ adapter.Adapter }
