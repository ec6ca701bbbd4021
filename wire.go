package strata

import (
	"context"

	"github.com/google/wire"
	"github.com/stratacache/strata/adapter"
)

// ProviderSet provides a Config read from the environment (FromEnv) and the adapter
// it names, with a cleanup that closes it. Applications add the driver imports they
// need (drivers/all) and build their caches with ConfigOptions; see examples/wire.
var ProviderSet = wire.NewSet(FromEnv, ProvideAdapter)

// ProvideAdapter opens the backend cfg names for dependency injection (after
// checking cfg's other fields): the cleanup closes the adapter. Build the typed
// caches from the adapter and the same Config with ConfigOptions.
func ProvideAdapter(ctx context.Context, cfg Config) (adapter.Adapter, func(), error) {
	a, err := openAdapter(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return a, func() { _ = a.Close() }, nil
}
