//go:build wireinject

package main

import (
	"context"

	"github.com/google/wire"
	"github.com/stratacache/strata"
)

// InitializeApp builds the App from the environment's Strata configuration; cleanup
// closes the cache.
func InitializeApp(ctx context.Context) (*App, func(), error) {
	wire.Build(strata.ProviderSet, NewApp)
	return nil, nil, nil
}
