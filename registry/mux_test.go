package registry_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/layered"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/registry"
)

// TestMuxIsLocal: schemes registered with a Mux of one's own are not seen by
// DefaultMux nor by another Mux, and a driver whose URL names other URLs
// (layered) opens them through the Mux that opened it.
func TestMuxIsLocal(t *testing.T) {
	ctx := context.Background()
	var mux registry.Mux
	var opened int
	mux.Register("local-mem", registry.FactoryOf(func(ctx context.Context, u *url.URL) (*memory.Adapter, error) {
		opened++
		return memory.Open(context.Background(), nil)
	}))
	mux.Register(layered.Scheme, registry.DefaultMux.Factory(layered.Scheme))
	if got := mux.Schemes(); !slices.Equal(got, []string{"layered", "local-mem"}) {
		t.Fatalf("Schemes() = %v", got)
	}
	if slices.Contains(registry.Schemes(), "local-mem") {
		t.Fatal("a local scheme leaked into DefaultMux")
	}
	if _, err := registry.Open(ctx, "local-mem://"); !errors.Is(err, registry.ErrUnknownScheme) {
		t.Fatalf("DefaultMux opened a local scheme: %v", err)
	}
	a, err := mux.Open(ctx, "layered://?l1=local-mem%3A%2F%2F&l2=local-mem%3A%2F%2F")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if opened != 2 {
		t.Fatalf("layered opened %d layers through the local Mux; want 2", opened)
	}
	_, err = mux.Open(ctx, "memory://")
	if !errors.Is(err, registry.ErrUnknownScheme) || strings.Contains(err.Error(), "drivers/all") {
		t.Fatalf("a local Mux without memory: %v; want ErrUnknownScheme without the DefaultMux hint", err)
	}
}

// TestFactoryOfNeverReturnsTypedNil: a driver's failed open must be a nil Adapter,
// so that callers' a != nil checks hold.
func TestFactoryOfNeverReturnsTypedNil(t *testing.T) {
	f := registry.FactoryOf(func(context.Context, *url.URL) (*memory.Adapter, error) {
		return nil, errors.New("refused")
	})
	a, err := f(context.Background(), &url.URL{Scheme: "x"})
	if err == nil || a != nil {
		t.Fatalf("FactoryOf = %#v, %v; want a nil Adapter and the error", a, err)
	}
	var _ adapter.Adapter = a
}
