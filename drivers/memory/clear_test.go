package memory

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
)

// Clear with a prefix removes the matching keys wherever they are held, in ristretto
// or in the admission window, and keeps every other key in both.
func TestClearPrefixReachesTheAdmissionWindow(t *testing.T) {
	a := fullAdapter(t, Options{MaxCost: 64 << 10}, 500)
	v := make([]byte, 500)
	for _, k := range []string{"a:w", "b:w"} {
		if err := a.Set(ctx, k, v, time.Hour); err != nil {
			t.Fatal(err)
		}
		if !a.windowed(k) {
			t.Fatalf("%q did not go to the admission window", k)
		}
	}
	// Fill keys that ristretto (not the window) holds.
	var inRistretto []string
	for i := range 30 {
		if k := fmt.Sprint("fill:", i); !a.windowed(k) && a.present(k) {
			inRistretto = append(inRistretto, k)
		}
	}
	if len(inRistretto) == 0 {
		t.Fatal("no fill key is in ristretto")
	}
	if err := a.Clear(ctx, "a:"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(ctx, "a:w"); !errors.Is(err, adapter.ErrNotFound) || a.windowed("a:w") {
		t.Errorf("a windowed key under the cleared prefix: Get = %v, windowed %v", err, a.windowed("a:w"))
	}
	if _, err := a.Get(ctx, "b:w"); err != nil || !a.windowed("b:w") {
		t.Errorf("a windowed key under another prefix: Get = %v, windowed %v", err, a.windowed("b:w"))
	}
	for _, k := range inRistretto {
		if _, err := a.Get(ctx, k); err != nil {
			t.Errorf("Clear(a:) removed %q: %v", k, err)
		}
	}
	if err := a.Clear(ctx, "fill:"); err != nil {
		t.Fatal(err)
	}
	for _, k := range inRistretto {
		if _, err := a.Get(ctx, k); !errors.Is(err, adapter.ErrNotFound) {
			t.Errorf("Clear(fill:) left %q: %v", k, err)
		}
	}
	if _, err := a.Get(ctx, "b:w"); err != nil {
		t.Errorf("Clear(fill:) removed b:w: %v", err)
	}
}
