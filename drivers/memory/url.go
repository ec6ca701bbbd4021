package memory

import (
	"context"
	"net/url"

	"github.com/stratacache/strata/registry"
)

// Scheme is the URL scheme this package registers with the registry: "memory".
const Scheme = "memory"

func init() {
	registry.Register(Scheme, registry.FactoryOf(openURL))
}

// ParseURL returns the Options a memory URL describes, for instance
// memory://?max_cost=64MiB&grace=30s, without opening anything. See the package
// documentation for the parameters. Unknown parameters, and a host, path or user,
// are errors.
func ParseURL(rawURL string) (*Options, error) {
	u, err := registry.ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return parseURL(u)
}

func parseURL(u *url.URL) (*Options, error) {
	if err := registry.CheckParamsOnly(u, Scheme, "memory://?max_cost=64MiB&grace=30s"); err != nil {
		return nil, err
	}
	p := registry.NewParams(u)
	o := &Options{
		MaxCost:     p.Size("max_cost", 0),
		Grace:       p.Duration("grace", 0),
		NumCounters: int64(p.Int("num_counters", 0)),
		BufferItems: int64(p.Int("buffer_items", 0)),
	}
	if err := p.Done(); err != nil {
		return nil, err
	}
	return o, nil
}

// OpenURL opens an Adapter configured by a memory URL (see ParseURL).
func OpenURL(ctx context.Context, rawURL string) (*Adapter, error) {
	return registry.OpenURL(ctx, rawURL, openURL)
}

// openURL is the factory registry.Open uses for the "memory" scheme.
func openURL(ctx context.Context, u *url.URL) (*Adapter, error) {
	o, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	return Open(ctx, o)
}
