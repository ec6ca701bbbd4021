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

// FactoryOf turns a driver's typed open function into a Factory. A failed open then
// returns a nil Adapter, never a nil *A inside a non-nil interface.
func FactoryOf[A adapter.Adapter](open func(ctx context.Context, u *url.URL) (A, error)) Factory {
	return func(ctx context.Context, u *url.URL) (adapter.Adapter, error) {
		a, err := open(ctx, u)
		if err != nil {
			return nil, err
		}
		return a, nil
	}
}

// ErrUnknownScheme is returned by Open for a URL whose scheme no driver registered.
var ErrUnknownScheme = errors.New("strata: unknown cache URL scheme")

// Mux maps URL schemes to the factories that open them, as database/sql maps driver
// names. Drivers register with DefaultMux from init; a program or test that wants
// schemes of its own, or a different set, uses a Mux of its own. The zero value is
// an empty Mux ready to use; a Mux is safe for concurrent use.
type Mux struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// DefaultMux is the Mux the package-level functions use and the built-in drivers
// register with.
var DefaultMux = new(Mux)

// Register makes a driver available under scheme (e.g. "redis"). It panics if
// scheme is empty, f is nil, or the scheme is taken: those are programming errors
// found at start-up.
func (m *Mux) Register(scheme string, f Factory) {
	scheme = strings.ToLower(scheme)
	if scheme == "" || f == nil {
		panic("strata/registry: Register needs a scheme and a factory")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.factories[scheme]; dup {
		panic("strata/registry: scheme " + scheme + " registered twice")
	}
	if m.factories == nil {
		m.factories = make(map[string]Factory)
	}
	m.factories[scheme] = f
}

// Schemes returns the registered schemes, sorted.
func (m *Mux) Schemes() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := make([]string, 0, len(m.factories))
	for k := range m.factories {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// muxKey is the context key under which Open passes its Mux to the factory.
// Factory returns the factory registered for scheme, or nil: a program's own Mux
// can take a built-in driver's, as in
// mux.Register(layered.Scheme, registry.DefaultMux.Factory(layered.Scheme)).
func (m *Mux) Factory(scheme string) Factory {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.factories[strings.ToLower(scheme)]
}

type muxKey struct{}

// MuxFrom returns the Mux that is opening a URL, for a factory whose URL names other
// URLs (drivers/layered opens its layers through it), or DefaultMux outside an Open.
func MuxFrom(ctx context.Context) *Mux {
	if m, ok := ctx.Value(muxKey{}).(*Mux); ok {
		return m
	}
	return DefaultMux
}

// Open opens the adapter rawURL names, e.g. "memory://" or "redis://host:6379/0".
// Networked drivers check the connection before returning unless the URL says
// lazy=true. Errors never contain the URL's password.
func (m *Mux) Open(ctx context.Context, rawURL string) (adapter.Adapter, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	f, ok := m.factories[u.Scheme]
	m.mu.RUnlock()
	if !ok {
		hint := ""
		if m == DefaultMux {
			hint = " (import github.com/stratacache/strata/drivers/all to register the built-in drivers)"
		}
		return nil, fmt.Errorf("%w %q in %s: registered schemes are %s%s",
			ErrUnknownScheme, u.Scheme, Redact(rawURL), strings.Join(m.Schemes(), ", "), hint)
	}
	return open(context.WithValue(ctx, muxKey{}, m), rawURL, u, f)
}
