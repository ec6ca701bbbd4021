package redis

import (
	"context"

	"github.com/google/wire"
	goredis "github.com/redis/go-redis/v9"
)

// URL is a Strata Redis URL (see the package doc), a distinct type so that
// dependency injection can tell it from other strings.
type URL string

// ProviderSet provides a *Adapter opened from a URL the injector supplies, owning
// its client; the cleanup closes both. Bind adapter.Adapter to it in your injector:
//
//	wire.Build(redis.ProviderSet, wire.Bind(new(adapter.Adapter), new(*redis.Adapter)))
var ProviderSet = wire.NewSet(ProvideFromURL)

// ClientProviderSet provides a *Adapter wrapping a go-redis client and *Options the
// injector supplies; the cleanup closes the adapter but not the client, whose own
// provider should close it.
var ClientProviderSet = wire.NewSet(ProvideWithClient)

// ProvideFromURL opens u (as Open does) for dependency injection; the cleanup
// closes the adapter and its client.
func ProvideFromURL(ctx context.Context, u URL) (*Adapter, func(), error) {
	a, err := Open(ctx, string(u))
	if err != nil {
		return nil, nil, err
	}
	return a, func() { _ = a.Close() }, nil
}

// ProvideWithClient wraps client (as New does) for dependency injection; the
// cleanup closes the adapter (ending its subscriptions), never the client.
func ProvideWithClient(client goredis.UniversalClient, opts *Options) (*Adapter, func(), error) {
	a, err := New(client, opts)
	if err != nil {
		return nil, nil, err
	}
	return a, func() { _ = a.Close() }, nil
}
