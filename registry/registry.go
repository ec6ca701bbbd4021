package registry

import (
	"context"

	"github.com/stratacache/strata/adapter"
)

// Register makes a driver available under scheme in DefaultMux (see Mux.Register).
// Drivers call it from init.
func Register(scheme string, f Factory) { DefaultMux.Register(scheme, f) }

// Schemes returns the schemes registered with DefaultMux, sorted.
func Schemes() []string { return DefaultMux.Schemes() }

// Open opens the adapter rawURL names through DefaultMux (see Mux.Open).
func Open(ctx context.Context, rawURL string) (adapter.Adapter, error) {
	return DefaultMux.Open(ctx, rawURL)
}

// OpenCache opens rawURL and wraps the adapter in a typed Cache with opts (nil: the
// defaults). Closing the cache closes the adapter.
func OpenCache[V any](ctx context.Context, rawURL string, opts *adapter.Options[V]) (*adapter.Cache[V], error) {
	a, err := Open(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	return adapter.New(a, opts), nil
}
