package strata

import (
	"context"
	"fmt"
	"os"
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
}

// String describes the Config with any password in the URL redacted.
func (c Config) String() string {
	return fmt.Sprintf("strata.Config{URL: %s, Prefix: %q, DefaultTTL: %v, Serializer: %q}",
		registry.Redact(c.URL), c.Prefix, c.DefaultTTL, c.Serializer)
}

// FromEnv reads a Config from STRATA_URL (default "memory://"), STRATA_PREFIX,
// STRATA_DEFAULT_TTL (a Go duration such as "10m", or "never") and STRATA_SERIALIZER.
// A malformed STRATA_DEFAULT_TTL is an error rather than silently ignored.
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
	return cfg, nil
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
