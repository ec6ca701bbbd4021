package registry

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/stratacache/strata/adapter"
)

// OpenURL parses rawURL with ParseURL and opens it with a driver's typed open
// function, as Mux.Open opens a registered scheme: a cancelled ctx opens nothing,
// and errors name the URL with its password hidden. It is how a driver's own
// OpenURL(ctx, rawURL) is written, in one line.
func OpenURL[A adapter.Adapter](ctx context.Context, rawURL string, openFn func(context.Context, *url.URL) (A, error)) (A, error) {
	var zero A
	u, err := ParseURL(rawURL)
	if err != nil {
		return zero, err
	}
	a, err := open(ctx, rawURL, u, FactoryOf(openFn))
	if err != nil {
		return zero, err
	}
	return a.(A), nil
}

// open calls f for u, the parsed rawURL, the way every entry point does.
func open(ctx context.Context, rawURL string, u *url.URL, f Factory) (adapter.Adapter, error) {
	if err := adapter.CheckContext(ctx); err != nil {
		return nil, err
	}
	a, err := f(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("strata: open %s: %w", Redact(rawURL), Scrub(err, Secrets(u)...))
	}
	return a, nil
}

// CheckParamsOnly returns an error unless u has the given scheme (in any case) and
// nothing but query parameters: no user, host, path or fragment. It is the shape
// check of drivers whose URLs are all parameters, such as memory://?max_cost=64MiB;
// example is a URL of that shape to show in the error. The error never echoes u.
func CheckParamsOnly(u *url.URL, scheme, example string) error {
	if !strings.EqualFold(u.Scheme, scheme) {
		return fmt.Errorf("strata/%s: URL scheme is %q, want %q", scheme, u.Scheme, scheme)
	}
	if u.Opaque != "" || u.User != nil || u.Host != "" || (u.Path != "" && u.Path != "/") || u.Fragment != "" || u.RawFragment != "" {
		return fmt.Errorf("strata/%s: a %s URL has no user, host, path or fragment, only parameters: use e.g. %s", scheme, scheme, example)
	}
	return nil
}

// WithCleanup returns a and a cleanup function that closes it, or err: the shape of
// a google/wire provider, so that a driver's provider is one line:
//
//	return registry.WithCleanup(OpenURL(ctx, string(u)))
func WithCleanup[A adapter.Adapter](a A, err error) (A, func(), error) {
	if err != nil {
		var zero A
		return zero, nil, err
	}
	return a, func() { _ = a.Close() }, nil
}
