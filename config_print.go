package strata

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"

	"github.com/stratacache/strata/registry"
)

// How a Config is printed, logged and marshalled: always with its URL redacted
// (Redact), so that writing out the effective configuration never writes the
// password. Decoding is not affected: a Config decodes its fields as written.
//
// A struct that embeds Config (rather than holding it in a named field) inherits
// these methods, and is then printed and marshalled as the Config alone: give the
// field a name, e.g. Cache strata.Config.

// configText is Config as configuration files write it: the URL redacted when
// marshalling, DefaultTTL as ParseTTL reads it ("10m", "never").
type configText struct {
	URL        string `json:"url" yaml:"url"`
	Prefix     string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	DefaultTTL string `json:"default_ttl,omitempty" yaml:"default_ttl,omitempty"`
	Serializer string `json:"serializer,omitempty" yaml:"serializer,omitempty"`
	Metrics    bool   `json:"metrics,omitempty" yaml:"metrics,omitempty"`
	Traces     bool   `json:"traces,omitempty" yaml:"traces,omitempty"`
}

// redacted returns c's fields with the URL's secrets hidden.
func (c Config) redacted() configText {
	return configText{URL: registry.Redact(c.URL), Prefix: c.Prefix, DefaultTTL: FormatTTL(c.DefaultTTL), Serializer: c.Serializer,
		Metrics: c.Metrics, Traces: c.Traces}
}

// MarshalJSON encodes c with its URL redacted: the password reads "xxxxx". Such
// output decodes into a Config whose URL holds "xxxxx" as its password, so keep
// the original configuration to open caches from.
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

// MarshalYAML is MarshalJSON for gopkg.in/yaml (v2 and v3), which call it.
func (c Config) MarshalYAML() (any, error) { return c.redacted(), nil }

// LogValue logs c as a group with its URL redacted (log/slog).
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", registry.Redact(c.URL)),
		slog.String("prefix", c.Prefix),
		slog.Duration("default_ttl", c.DefaultTTL),
		slog.String("serializer", c.Serializer),
		slog.Bool("metrics", c.Metrics),
		slog.Bool("traces", c.Traces))
}

// GoString is the %#v form of c, with its URL redacted.
func (c Config) GoString() string {
	return fmt.Sprintf("strata.Config{URL:%q, Prefix:%q, DefaultTTL:%d, Serializer:%q, Metrics:%t, Traces:%t}",
		registry.Redact(c.URL), c.Prefix, int64(c.DefaultTTL), c.Serializer, c.Metrics, c.Traces)
}

// Format prints c with its URL redacted for every verb: String for %v, %+v, %s,
// %q, %x and %X, GoString for %#v, and a bad-verb notice holding String for the
// others (fmt would otherwise print the fields, URL and all, for e.g. %d).
func (c Config) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v', 's', 'q', 'x', 'X':
		if verb == 'v' && f.Flag('#') {
			_, _ = io.WriteString(f, c.GoString())
			return
		}
		_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), c.String())
	default:
		_, _ = fmt.Fprintf(f, "%%!%c(%s)", verb, c.String())
	}
}
