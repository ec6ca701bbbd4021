package strata

import (
	"fmt"
	"strings"
	"time"

	"github.com/stratacache/strata/adapter"
)

// ParseTTL reads a time to live as configuration writes it: a Go duration such as
// "10m" or "1h30m" (positive), "never" for adapter.NoExpiration, or "" (or
// "default") for the cache's default. FromEnv, and Config decoded from JSON or YAML,
// read DefaultTTL with it.
func ParseTTL(s string) (time.Duration, error) {
	switch strings.TrimSpace(s) {
	case "", "default":
		return adapter.DefaultTTL, nil
	case "never":
		return adapter.NoExpiration, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf(`%w: %q: want a positive duration such as "10m", "never", or "" for the default`,
			adapter.ErrInvalidTTL, s)
	}
	return d, nil
}

// FormatTTL writes d the way ParseTTL reads it: "never", "" for the default, or a
// duration without trailing zero units ("10m", "1h30m", "1.5s").
func FormatTTL(d time.Duration) string {
	switch {
	case d == adapter.NoExpiration:
		return "never"
	case d == adapter.DefaultTTL:
		return ""
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
