package memory

import (
	"context"

	"github.com/google/wire"

	"github.com/stratacache/strata/registry"
)

// URL is a memory URL for dependency injection (a distinct type, so that wire can
// tell it from other strings).
type URL string

// ProviderSet provides a *Adapter from a URL, with a cleanup that closes it. The
// application provides the URL and binds the interface in its own injector:
//
//	func initCache(ctx context.Context, u memory.URL) (*strata.Cache[User], func(), error) {
//		wire.Build(
//			memory.ProviderSet,
//			wire.Bind(new(adapter.Adapter), new(*memory.Adapter)),
//			newUserCache, // func(a adapter.Adapter) *strata.Cache[User]
//		)
//		return nil, nil, nil
//	}
var ProviderSet = wire.NewSet(ProvideURL)

// ProvideURL is OpenURL for dependency injection: it returns the adapter together
// with a cleanup function that closes it.
func ProvideURL(ctx context.Context, u URL) (*Adapter, func(), error) {
	return registry.WithCleanup(OpenURL(ctx, string(u)))
}
