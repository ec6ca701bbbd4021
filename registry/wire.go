package registry

import (
	"context"

	"github.com/google/wire"
	"github.com/stratacache/strata/adapter"
)

// ProviderSet provides a Config read from the environment and the adapter it names,
// with a cleanup that closes it. Applications add the driver imports they need
// (drivers/all) and depend on adapter.Adapter.
var ProviderSet = wire.NewSet(FromEnv, ProvideAdapter)

// ProvideAdapter opens cfg for dependency injection: the cleanup closes the adapter.
func ProvideAdapter(ctx context.Context, cfg Config) (adapter.Adapter, func(), error) {
	a, err := OpenConfig(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return a, func() { _ = a.Close() }, nil
}
