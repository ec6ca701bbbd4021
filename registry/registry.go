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
