package strata

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// configInput is Config as a file may write it: DefaultTTL as a string ParseTTL
// reads ("10m", "never") or as a number of nanoseconds (what encoding/json wrote
// for a time.Duration).
type configInput struct {
	URL        string `json:"url" yaml:"url"`
	Prefix     string `json:"prefix" yaml:"prefix"`
	DefaultTTL any    `json:"default_ttl" yaml:"default_ttl"`
	Serializer string `json:"serializer" yaml:"serializer"`
	Metrics    bool   `json:"metrics" yaml:"metrics"`
	Traces     bool   `json:"traces" yaml:"traces"`
}

// UnmarshalJSON decodes a Config, reading default_ttl as "10m", "never", "" or a
// number of nanoseconds.
func (c *Config) UnmarshalJSON(b []byte) error {
	var in configInput
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	return c.set(in)
}

// UnmarshalYAML decodes a Config from YAML (gopkg.in/yaml v2 and v3, and
// go.yaml.in/yaml call it), reading default_ttl as UnmarshalJSON does.
func (c *Config) UnmarshalYAML(unmarshal func(any) error) error {
	var in configInput
	if err := unmarshal(&in); err != nil {
		return err
	}
	return c.set(in)
}

func (c *Config) set(in configInput) error {
	ttl, err := decodeTTL(in.DefaultTTL)
	if err != nil {
		return fmt.Errorf("strata: Config default_ttl: %w", err)
	}
	*c = Config{URL: in.URL, Prefix: in.Prefix, DefaultTTL: ttl, Serializer: in.Serializer,
		Metrics: in.Metrics, Traces: in.Traces}
	return nil
}

// decodeTTL reads a decoded default_ttl: nil, a string, or a whole number of
// nanoseconds (json.Number-free decoding gives float64, YAML gives int).
func decodeTTL(v any) (time.Duration, error) {
	switch t := v.(type) {
	case nil:
		return 0, nil
	case string:
		return ParseTTL(t)
	case float64:
		if t != math.Trunc(t) || t > math.MaxInt64 || t < math.MinInt64 {
			return 0, fmt.Errorf("%v is not a whole number of nanoseconds; write a duration such as \"10m\"", t)
		}
		return checkNanos(int64(t))
	case int:
		return checkNanos(int64(t))
	case int64:
		return checkNanos(t)
	case uint64:
		if t > math.MaxInt64 {
			return 0, fmt.Errorf("%d nanoseconds is out of range", t)
		}
		return checkNanos(int64(t))
	}
	return 0, fmt.Errorf("%v (%T): write a duration such as \"10m\", or \"never\"", v, v)
}

func checkNanos(n int64) (time.Duration, error) {
	d := time.Duration(n)
	if n < 0 && d != -1 {
		return 0, fmt.Errorf("%v is negative: write a duration such as \"10m\", or \"never\"", d)
	}
	return d, nil
}
