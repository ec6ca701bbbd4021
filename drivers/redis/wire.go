package redis

import (
	"context"

	"github.com/google/wire"
	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/registry"
)

// URL is a Strata Redis URL (see the package doc), a distinct type so that
// dependency injection can tell it from other strings.
type URL string

// ProviderSet provides a *Adapter opened from a URL the injector supplies, owning
// its client; the cleanup closes both. Bind adapter.Adapter to it in your injector:
//
//	wire.Build(redis.ProviderSet, wire.Bind(new(adapter.Adapter), new(*redis.Adapter)))
var ProviderSet = wire.NewSet(ProvideURL)

// ClientProviderSet provides a *Adapter wrapping a go-redis client and *Options the
// injector supplies; the cleanup closes the adapter but not the client, whose own
// provider should close it.
var ClientProviderSet = wire.NewSet(ProvideClient)

// ProvideURL opens u (as OpenURL does) for dependency injection; the cleanup
// closes the adapter and its client.
func ProvideURL(ctx context.Context, u URL) (*Adapter, func(), error) {
	return registry.WithCleanup(OpenURL(ctx, string(u)))
}

// ProvideClient wraps client (as New does) for dependency injection; the
// cleanup closes the adapter (ending its subscriptions), never the client.
func ProvideClient(client goredis.UniversalClient, opts *Options) (*Adapter, func(), error) {
	return registry.WithCleanup(New(client, opts))
}
