package strata

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/registry"
)

// DefaultURL is the backend FromEnv selects when STRATA_URL is unset: the embedded
// memory driver, which needs no server.
const DefaultURL = "memory://"

// Config selects and configures a cache from configuration files or the environment.
type Config struct {
	// URL names the backend, e.g. "memory://" or "redis://cache:6379/0".
	URL string `json:"url" yaml:"url" env:"STRATA_URL"`
	// Prefix is prepended to every key of caches built from this Config.
	Prefix string `json:"prefix,omitempty" yaml:"prefix,omitempty" env:"STRATA_PREFIX"`
	// DefaultTTL is the cache's default time to live; 0 means 5 minutes and -1ns
	// (adapter.NoExpiration) means none. JSON, YAML and STRATA_DEFAULT_TTL write it
	// as people do: "10m", "1h30m", "never" (see ParseTTL).
	DefaultTTL time.Duration `json:"default_ttl,omitempty" yaml:"default_ttl,omitempty" env:"STRATA_DEFAULT_TTL"`
	// Serializer names the codec: "msgpack", "gob", "json", "raw" or "" for the
	// process default (see serializer.ByName).
	Serializer string `json:"serializer,omitempty" yaml:"serializer,omitempty" env:"STRATA_SERIALIZER"`
	// Metrics sends the caches' metrics to OpenTelemetry's global MeterProvider
	// (otel.GetMeterProvider, which forwards to the provider the program sets,
	// before or after): Options.MeterProvider. STRATA_METRICS reads "true" or "1".
	Metrics bool `json:"metrics,omitempty" yaml:"metrics,omitempty" env:"STRATA_METRICS"`
	// Traces makes spans of the caches' calls with OpenTelemetry's global
	// TracerProvider (otel.GetTracerProvider): Options.TracerProvider.
	Traces bool `json:"traces,omitempty" yaml:"traces,omitempty" env:"STRATA_TRACES"`
}

// String describes the Config with any password in the URL redacted.
func (c Config) String() string {
	return fmt.Sprintf("strata.Config{URL: %s, Prefix: %q, DefaultTTL: %v, Serializer: %q, Metrics: %v, Traces: %v}",
		registry.Redact(c.URL), c.Prefix, c.DefaultTTL, c.Serializer, c.Metrics, c.Traces)
}

// FromEnv reads a Config from STRATA_URL (default "memory://"), STRATA_PREFIX,
// STRATA_DEFAULT_TTL (a Go duration such as "10m", or "never"), STRATA_SERIALIZER,
// STRATA_METRICS and STRATA_TRACES ("true", "1", "false", "0" or unset). A malformed
// STRATA_DEFAULT_TTL or boolean is an error rather than silently ignored.
func FromEnv() (Config, error) {
	cfg := Config{
		URL:        os.Getenv("STRATA_URL"),
		Prefix:     os.Getenv("STRATA_PREFIX"),
		Serializer: os.Getenv("STRATA_SERIALIZER"),
	}
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	ttl, err := ParseTTL(os.Getenv("STRATA_DEFAULT_TTL"))
	if err != nil {
		return cfg, fmt.Errorf("strata: STRATA_DEFAULT_TTL: %w", err)
	}
	cfg.DefaultTTL = ttl
	if cfg.Metrics, err = envBool("STRATA_METRICS"); err != nil {
		return cfg, err
	}
	if cfg.Traces, err = envBool("STRATA_TRACES"); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// envBool reads the environment variable name as strconv.ParseBool does; unset or
// empty is false.
func envBool(name string) (bool, error) {
	s := os.Getenv(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("strata: %s=%q: write true or false", name, s)
	}
	return b, nil
}

// openAdapter opens the backend cfg.URL names, after checking the rest of cfg, so a
// bad serializer name fails at start-up too. The driver learns cfg.Prefix, as with
// Open: the caches built on the adapter use it.
func openAdapter(ctx context.Context, cfg Config) (adapter.Adapter, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Prefix != "" {
		ctx = registry.WithNamespace(ctx, cfg.Prefix)
	}
	return registry.Open(ctx, cfg.URL)
}

// Check reports whether cfg's DefaultTTL and Serializer are valid.
func (c Config) Check() error { return c.check() }

func (c Config) check() error {
	if c.DefaultTTL < 0 && c.DefaultTTL != adapter.NoExpiration {
		return fmt.Errorf("%w: Config.DefaultTTL is %v", adapter.ErrInvalidTTL, c.DefaultTTL)
	}
	switch c.Serializer {
	case "", "msgpack", "gob", "json", "raw":
		return nil
	}
	return fmt.Errorf(`strata: Config.Serializer %q: want "msgpack", "gob", "json", "raw" or empty for the default`, c.Serializer)
}
