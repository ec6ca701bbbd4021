package memory

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/registry"
)

// Scheme is the URL scheme this package registers with the registry: "memory".
const Scheme = "memory"

func init() {
	registry.Register(Scheme, registry.FactoryOf(OpenURL))
}

// OptionsFromURL returns the Options a memory URL describes, for instance
// memory://?max_cost=64MiB&grace=30s. See the package documentation for the
// parameters. Unknown parameters, and a host, path or user, are errors.
func OptionsFromURL(u *url.URL) (*Options, error) {
	if !strings.EqualFold(u.Scheme, Scheme) {
		return nil, fmt.Errorf("strata/memory: URL scheme is %q, want %q", u.Scheme, Scheme)
	}
	if u.Opaque != "" || u.User != nil || u.Host != "" || (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		// Never echo the URL: it could hold a password in the user part.
		return nil, fmt.Errorf("strata/memory: a memory URL has no user, host, path or fragment, only parameters: use e.g. memory://?max_cost=64MiB&grace=30s")
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

// OpenURL opens an Adapter configured by a memory URL (see OptionsFromURL). It is the
// factory registry.Open uses for the "memory" scheme.
func OpenURL(ctx context.Context, u *url.URL) (*Adapter, error) {
	if err := adapter.CheckContext(ctx); err != nil {
		return nil, err
	}
	o, err := OptionsFromURL(u)
	if err != nil {
		return nil, err
	}
	return New(o)
}
