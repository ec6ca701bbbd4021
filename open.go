package strata

import (
	"context"

	"go.opentelemetry.io/otel"

	"github.com/stratacache/strata/registry"
	"github.com/stratacache/strata/serializer"
)

// Open opens the backend rawURL names through registry.DefaultMux (import
// github.com/stratacache/strata/drivers/all, or single drivers, to register them),
// e.g. "memory://" or "redis://cache:6379/0", and wraps it in a Cache with opts (nil:
// the defaults). Closing the cache closes the backend. Errors never contain the
// URL's password. The driver learns opts.Prefix (registry.NamespaceFrom), so that a
// driver that talks to other processes (the invalidation channel of drivers/redis
// and drivers/layered) keeps to the cache's namespace.
func Open[V any](ctx context.Context, rawURL string, opts *Options[V]) (*Cache[V], error) {
	if opts != nil && opts.Prefix != "" {
		ctx = registry.WithNamespace(ctx, opts.Prefix)
	}
	a, err := registry.Open(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	return New(a, opts), nil
}

// OpenConfig opens cfg.URL and wraps it in a Cache configured by cfg's Prefix,
// DefaultTTL, Serializer, Metrics and Traces. A Config from FromEnv, JSON or YAML works as it
// is; its URL defaults to nothing, so set it (FromEnv defaults it to "memory://").
func OpenConfig[V any](ctx context.Context, cfg Config) (*Cache[V], error) {
	opts, err := ConfigOptions[V](cfg)
	if err != nil {
		return nil, err
	}
	return Open(ctx, cfg.URL, opts)
}

// ConfigOptions turns cfg's Prefix, DefaultTTL and Serializer into Options, and
// Metrics and Traces into OpenTelemetry's global MeterProvider and TracerProvider
// (otel.GetMeterProvider, otel.GetTracerProvider).
func ConfigOptions[V any](cfg Config) (*Options[V], error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	codec, err := serializer.ByName[V](cfg.Serializer)
	if err != nil {
		return nil, err
	}
	opts := &Options[V]{Codec: codec, DefaultTTL: cfg.DefaultTTL, Prefix: cfg.Prefix}
	if cfg.Metrics {
		opts.MeterProvider = otel.GetMeterProvider()
	}
	if cfg.Traces {
		opts.TracerProvider = otel.GetTracerProvider()
	}
	return opts, nil
}
