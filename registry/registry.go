package registry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/stratacache/strata/adapter"
)

// Factory opens an adapter for a parsed URL. It must reject query parameters it does
// not know (see Params) and must never put a password in an error.
type Factory func(ctx context.Context, u *url.URL) (adapter.Adapter, error)

var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// ErrUnknownScheme is returned by Open for a URL whose scheme no driver registered.
var ErrUnknownScheme = errors.New("strata: unknown cache URL scheme")

// Register makes a driver available under scheme (e.g. "redis"). Drivers call it from
// init. It panics if scheme is empty, f is nil, or the scheme is taken: those are
// programming errors found at start-up.
func Register(scheme string, f Factory) {
	scheme = strings.ToLower(scheme)
	if scheme == "" || f == nil {
		panic("strata/registry: Register needs a scheme and a factory")
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[scheme]; dup {
		panic("strata/registry: scheme " + scheme + " registered twice")
	}
	factories[scheme] = f
}

// Schemes returns the registered schemes, sorted.
func Schemes() []string {
	mu.RLock()
	defer mu.RUnlock()
	s := make([]string, 0, len(factories))
	for k := range factories {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// Open opens the adapter rawURL names, e.g. "memory://" or "redis://host:6379/0".
// Networked drivers check the connection before returning unless the URL says
// lazy=true. Errors never contain the URL's password.
func Open(ctx context.Context, rawURL string) (adapter.Adapter, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	mu.RLock()
	f, ok := factories[u.Scheme]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q in %s: registered schemes are %s (import github.com/stratacache/strata/drivers/all to register the built-in drivers)",
			ErrUnknownScheme, u.Scheme, Redact(rawURL), strings.Join(Schemes(), ", "))
	}
	if err := adapter.CheckContext(ctx); err != nil {
		return nil, err
	}
	a, err := f(ctx, u)
	if err != nil {
		// Scrub only the driver's words: Strata's own are built from redacted text,
		// and a secret that happens to equal one of them must not garble them.
		return nil, fmt.Errorf("strata: open %s: %w", Redact(rawURL), Scrub(err, Secrets(u)...))
	}
	return a, nil
}

// OpenCache opens rawURL and wraps the adapter in a typed Cache with opts (nil: the
// defaults). Closing the cache closes the adapter.
func OpenCache[V any](ctx context.Context, rawURL string, opts *adapter.Options[V]) (*adapter.Cache[V], error) {
	a, err := Open(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	return adapter.New(a, opts), nil
}
