package registry

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Params reads a URL's query parameters for a Factory. Each getter records the first
// malformed value; Done reports it, or any parameter no getter asked for, so a typo
// such as "grcae=30s" is an error rather than silently ignored.
type Params struct {
	q     url.Values
	raw   string // the query as written
	known []string
	err   error
}

// NewParams reads u's query. A malformed query (a ';', or a '%' not followed by two
// hex digits) is an error Done reports, rather than parameters silently dropped.
func NewParams(u *url.URL) *Params {
	p := &Params{q: u.Query(), raw: u.RawQuery}
	if _, err := url.ParseQuery(u.RawQuery); err != nil {
		p.err = fmt.Errorf("strata: the URL has a %w", errMalformedQuery)
	}
	return p
}

func (p *Params) take(name string) (string, bool) {
	p.known = append(p.known, name)
	vs, ok := p.q[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	if len(vs) > 1 && p.err == nil {
		p.err = fmt.Errorf("strata: URL parameter %s is given %d times", name, len(vs))
	}
	return vs[len(vs)-1], true
}

func (p *Params) fail(name, value, want string) {
	if p.err == nil {
		p.err = fmt.Errorf("strata: URL parameter %s=%q: want %s", name, value, want)
	}
}

// String returns parameter name, or def when absent.
func (p *Params) String(name, def string) string {
	if v, ok := p.take(name); ok {
		return v
	}
	return def
}

// URL returns parameter name holding a child URL (such as layered's l1= and l2=),
// or def. The child may be escaped (url.QueryEscape) or written as is: a value
// whose text holds "://" was not escaped, and is taken exactly as written, so that
// a '+' in it stands for itself (as in "redis+cluster://" or a password) rather
// than for a space, and its own escapes (a password's %3F) are left to its parser.
func (p *Params) URL(name, def string) string {
	v, ok := p.take(name)
	if !ok {
		return def
	}
	for _, pair := range strings.Split(p.raw, "&") {
		key, value, _ := strings.Cut(pair, "=")
		if queryUnescapeLenient(key) == name && strings.Contains(value, "://") {
			v = value // the last one wins, as in take
		}
	}
	return v
}

// Duration returns parameter name parsed by time.ParseDuration ("30s", "1m"), or def.
// Negative durations are rejected.
func (p *Params) Duration(name string, def time.Duration) time.Duration {
	v, ok := p.take(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		p.fail(name, v, `a non-negative duration such as "30s" or "5m"`)
		return def
	}
	return d
}

// Int returns parameter name as a non-negative integer, or def.
func (p *Params) Int(name string, def int) int {
	v, ok := p.take(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		p.fail(name, v, "a non-negative integer")
		return def
	}
	return n
}

// Bool returns parameter name as a boolean ("true", "false", "1", "0"), or def.
func (p *Params) Bool(name string, def bool) bool {
	v, ok := p.take(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(name, v, "true or false")
		return def
	}
	return b
}

// Size returns parameter name as a byte count, or def. It accepts plain numbers and
// the suffixes B, KB, MB, GB (powers of 1000) and KiB, MiB, GiB (powers of 1024).
func (p *Params) Size(name string, def int64) int64 {
	v, ok := p.take(name)
	if !ok {
		return def
	}
	n, err := ParseSize(v)
	if err != nil {
		p.fail(name, v, `a size such as "64MiB" or "1000000"`)
		return def
	}
	return n
}

// Done returns the first malformed value, or an error naming any parameter that no
// getter read, with the parameters that are accepted.
func (p *Params) Done() error {
	if p.err != nil {
		return p.err
	}
	var unknown []string
	hidden := 0
	for name := range p.q {
		switch {
		case slices.Contains(p.known, name):
		case p.mayBeSecret(name):
			hidden++
		default:
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 && hidden == 0 {
		return nil
	}
	slices.Sort(unknown)
	if hidden > 0 {
		unknown = append(unknown, fmt.Sprintf("%d not shown: they look like parts of a password or child URL "+
			"holding an unescaped '&'; percent-encode it as %%26, and escape child URLs with url.QueryEscape", hidden))
	}
	known := slices.Clone(p.known)
	slices.Sort(known)
	return fmt.Errorf("strata: unknown URL parameter(s) %s: accepted are %s",
		strings.Join(unknown, ", "), strings.Join(slices.Compact(known), ", "))
}

// mayBeSecret reports whether the unknown parameter name is likely a piece of a
// secret cut off at an unescaped '&', and so must not be named in an error: a bare
// word without '=' (password=Qz7&Vk2), or a name or value holding an '@' or "://"
// (l2=redis://u:Qz7&Vk2@host).
func (p *Params) mayBeSecret(name string) bool {
	if strings.ContainsAny(name, "@") || strings.Contains(name, "://") {
		return true
	}
	for _, v := range p.q[name] {
		if strings.ContainsAny(v, "@") || strings.Contains(v, "://") {
			return true
		}
	}
	for _, pair := range strings.Split(p.raw, "&") {
		key, _, hasValue := strings.Cut(pair, "=")
		if queryUnescapeLenient(key) == name && !hasValue {
			return true
		}
	}
	return false
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	// Longest suffixes first so "MiB" is not read as "B".
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30},
	{"B", 1},
}

// ParseSize parses a byte count such as "64MiB", "10MB", "512KiB" or "1000".
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if len(t) > len(u.suffix) && strings.EqualFold(t[len(t)-len(u.suffix):], u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || (n > 0 && mult > (1<<63-1)/n) {
		return 0, fmt.Errorf("strata: invalid size %q: want e.g. 64MiB", s)
	}
	return n * mult, nil
}
