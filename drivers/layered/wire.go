package layered

import (
	"context"

	"github.com/google/wire"

	"github.com/stratacache/strata/registry"
)

// URL is a layered URL (see the package documentation), a distinct type so that
// dependency injection can tell it from other strings.
type URL string

// ProviderSet provides a *Adapter opened from a URL the injector supplies; the
// cleanup closes it, and with it both layers. Bind adapter.Adapter to it in your
// injector:
//
//	wire.Build(layered.ProviderSet, wire.Bind(new(adapter.Adapter), new(*layered.Adapter)))
var ProviderSet = wire.NewSet(ProvideURL)

// ProvideURL opens u (as OpenURL does, with the same redaction of passwords in
// errors) for dependency injection; the cleanup closes the adapter.
func ProvideURL(ctx context.Context, u URL) (*Adapter, func(), error) {
	return registry.WithCleanup(OpenURL(ctx, string(u)))
}
