package layered

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/stratacache/strata/adapter"
	_ "github.com/stratacache/strata/drivers/memory" // the default L1, memory://
	"github.com/stratacache/strata/registry"
)

// Scheme is the URL scheme this package registers with the registry: "layered".
const Scheme = "layered"

// DefaultL1URL is the L1 of a layered URL without l1=.
const DefaultL1URL = "memory://"

func init() {
	registry.Register(Scheme, registry.FactoryOf(openURL))
}

// Config is a parsed layered URL: the URLs of both layers and the Options.
type Config struct {
	// L1 is the in-process layer's URL (l1=, default DefaultL1URL).
	L1 string
	// L2 is the shared layer's URL (l2=, required).
	L2 string
	// Options holds l1_ttl, serve_stale, liveness and invalidation.
	Options Options
}

// String describes the URL options with the children's passwords hidden.
func (o Config) String() string {
	return fmt.Sprintf("layered{l1: %s, l2: %s, l1_ttl: %v, serve_stale: %v}",
		registry.Redact(o.L1), registry.Redact(o.L2), o.Options.L1TTL, o.Options.ServeStaleOnL2Error)
}

// ParseURL reads a layered URL (see the package documentation for its parameters)
// without opening anything. Errors never contain a password of either child URL.
func ParseURL(rawURL string) (*Config, error) {
	u, err := registry.ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return parseURL(u)
}

func parseURL(u *url.URL) (*Config, error) {
	if strings.EqualFold(u.Scheme, Scheme) && (u.Fragment != "" || u.RawFragment != "") {
		return nil, errors.New("strata/layered: a layered URL has no fragment: percent-encode a '#' in a child URL's password " +
			"as %23, and escape the child URLs, e.g. layered://?l2=redis%3A%2F%2Fcache%3A6379%2F0")
	}
	if err := registry.CheckParamsOnly(u, Scheme,
		"layered://?l1=memory%3A%2F%2F&l2=redis%3A%2F%2Fcache%3A6379%2F0&l1_ttl=30s (escape the child URLs)"); err != nil {
		return nil, err
	}
	p := registry.NewParams(u)
	o := &Config{
		L1: p.URL("l1", DefaultL1URL),
		L2: p.URL("l2", ""),
		Options: Options{
			L1TTL:               p.Duration("l1_ttl", 0),
			ServeStaleOnL2Error: p.Bool("serve_stale", false),
			Liveness:            p.Duration("liveness", 0),
			NoInvalidation:      !p.Bool("invalidation", true),
		},
	}
	if err := p.Done(); err != nil {
		return nil, fmt.Errorf("%w (escape the l1 and l2 URLs, e.g. with url.QueryEscape, or their own parameters are read as the layered URL's)", err)
	}
	if o.L2 == "" {
		return nil, errors.New("strata/layered: a layered URL needs l2=<escaped URL>, e.g. layered://?l2=redis%3A%2F%2Fcache%3A6379%2F0")
	}
	if o.L1 == "" {
		return nil, errors.New("strata/layered: l1= is empty: omit it for memory://, or give an escaped URL")
	}
	return o, nil
}

// OpenURL opens both layers of a layered URL (see ParseURL) and returns the Adapter
// over them, which owns both. Errors never contain a password of either child URL.
func OpenURL(ctx context.Context, rawURL string) (*Adapter, error) {
	return registry.OpenURL(ctx, rawURL, openURL)
}

// openURL is the factory registry.Open uses for the "layered" scheme.
func openURL(ctx context.Context, u *url.URL) (*Adapter, error) {
	o, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	return Open(ctx, o)
}

// Open opens the layers cfg names through the registry.Mux opening it
// (registry.MuxFrom, so any registered driver can be a layer) and returns the Adapter
// over them, which owns both. If L2 cannot be opened, L1 is closed again.
func Open(ctx context.Context, cfg *Config) (*Adapter, error) {
	if err := adapter.CheckContext(ctx); err != nil {
		return nil, err
	}
	mux := registry.MuxFrom(ctx)
	l1, err := mux.Open(ctx, cfg.L1)
	if err != nil {
		return nil, fmt.Errorf("strata/layered: l1: %w", cfg.scrub(err))
	}
	l2, err := mux.Open(ctx, cfg.L2)
	if err != nil {
		_ = l1.Close()
		return nil, fmt.Errorf("strata/layered: l2: %w", cfg.scrub(err))
	}
	a, err := New(l1, l2, &cfg.Options)
	if err != nil {
		_ = l2.Close()
		_ = l1.Close()
		return nil, cfg.scrub(err)
	}
	return a, nil
}

// scrub hides the children's passwords in err's text, a second line of defence
// behind the drivers' own care (registry.Open hides them in its own prefix). The
// secrets are found by the children's structure, even where they do not parse.
func (o *Config) scrub(err error) error {
	return registry.Scrub(err, append(registry.URLSecrets(o.L1), registry.URLSecrets(o.L2)...)...)
}
