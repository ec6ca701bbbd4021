package registry_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/stratacache/strata/internal/secrettest"
	"github.com/stratacache/strata/registry"
)

// TestParseURLFindsTheUserInfoByStructure: a password holding any delimiter but
// '?' and '#' parses as written, escaped or not; with '?' or '#' unescaped the URL
// is refused with ErrPasswordEncoding, without the password.
func TestParseURLFindsTheUserInfoByStructure(t *testing.T) {
	for _, pw := range secrettest.Passwords() {
		for _, escaped := range []bool{true, false} {
			written := pw
			if escaped {
				written = strings.TrimPrefix(url.UserPassword("", pw).String(), ":")
			}
			raw := "redis+cluster://app:" + written + "@h1:7000,h2:7001/0?prefix=a@b&grace=1s"
			u, err := registry.ParseURL(raw)
			if !escaped && strings.ContainsAny(pw, "?#") {
				if !errors.Is(err, registry.ErrPasswordEncoding) || secrettest.Leak(err.Error(), pw) != "" {
					t.Errorf("ParseURL(%q) = %v; want ErrPasswordEncoding without the password", raw, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("ParseURL(%q): %v", raw, err)
				continue
			}
			got, _ := u.User.Password()
			if got != pw || u.User.Username() != "app" || u.Host != "h1:7000,h2:7001" || u.Path != "/0" ||
				u.Query().Get("prefix") != "a@b" || u.Query().Get("grace") != "1s" {
				t.Errorf("ParseURL(%q): password %q user %q host %q path %q query %v", raw, got, u.User.Username(), u.Host, u.Path, u.Query())
			}
		}
	}
}

func TestParseURLKeepsOrdinaryURLs(t *testing.T) {
	for raw, want := range map[string]string{
		"memory://":                             "memory   ",
		"REDIS://h:6379/0?prefix=a@b":           "redis h:6379 /0 prefix=a%40b",
		"redis://u@h":                           "redis u@h  ",
		"redis://:p%40ss@h/0":                   "redis :p%40ss@h /0 ",
		"redis://[::1]:6379?addr=[::1]:7000":    "redis [::1]:6379  addr=%5B%3A%3A1%5D%3A7000",
		"layered://?l2=redis://u:pw@h:1/0":      "layered   l2=redis%3A%2F%2Fu%3Apw%40h%3A1%2F0",
		"redis://h:6379/0?prefix=x?y&grace=30s": "redis h:6379 /0 grace=30s&prefix=x%3Fy",
	} {
		u, err := registry.ParseURL(raw)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", raw, err)
			continue
		}
		host := u.Host
		if u.User != nil {
			host = u.User.String() + "@" + host
		}
		if got := strings.Join([]string{u.Scheme, host, u.Path, u.Query().Encode()}, " "); got != want {
			t.Errorf("ParseURL(%q) = %q; want %q", raw, got, want)
		}
	}
	for _, raw := range []string{"memory://?max_cost=1;x", "memory://?max_cost=%zz", "redis://h/0#frag", "redis cluster://h", "redis:/h"} {
		if _, err := registry.ParseURL(raw); err == nil {
			t.Errorf("ParseURL(%q) accepted", raw)
		}
	}
}

func TestScrubReplacesWholeSecretsOnly(t *testing.T) {
	base := errors.New("auth failed for s3cret, not s3cretive nor xs3cret; in u%3As3cret%40h")
	err := registry.Scrub(base, "s3cret")
	want := "auth failed for xxxxx, not s3cretive nor xs3cret; in u%3Axxxxx%40h"
	if err.Error() != want || !errors.Is(err, base) {
		t.Errorf("Scrub = %q (errors.Is %v), want %q", err, errors.Is(err, base), want)
	}
	// One or two characters are ordinary text: never replaced.
	short := errors.New("cannot parse port p: a URL")
	for _, s := range []string{"p", "a", "pa", ""} {
		if got := registry.Scrub(short, s); got != short {
			t.Errorf("Scrub(%q) = %q; want the error unchanged", s, got)
		}
	}
	// A longer secret and its escaped form inside it: the longest goes first.
	err = registry.Scrub(errors.New("pw Qz7%2FVk2 or Qz7/Vk2"), "Qz7/Vk2", url.PathEscape("Qz7/Vk2"))
	if got := err.Error(); got != "pw xxxxx or xxxxx" {
		t.Errorf("Scrub = %q", got)
	}
}

func TestParamsNeverNameAPasswordPiece(t *testing.T) {
	for raw, hidden := range map[string]string{
		"memory://?password=Qz7&Vk2Jw9&grace=1s":                     "Vk2Jw9",
		"layered://?l1=memory://&l2=redis://u:Qz7&Vk2Jw9=x@h:1/0":    "Vk2Jw9",
		"layered://?l1=memory://&l2=redis://u:Qz7&Vk2Jw9@h:1/0&bo=1": "Vk2Jw9",
	} {
		_, err := registry.Open(context.Background(), raw)
		if err == nil || strings.Contains(err.Error(), hidden) || !strings.Contains(err.Error(), "not shown") {
			t.Errorf("Open(%q) = %v; want an error hiding %q", raw, err, hidden)
		}
	}
	// Ordinary typos are still named.
	_, err := registry.Open(context.Background(), "memory://?grcae=1s")
	if err == nil || !strings.Contains(err.Error(), "grcae") {
		t.Errorf("err = %v; want it to name grcae", err)
	}
}

func TestParamsURLKeepsUnescapedChildrenAsWritten(t *testing.T) {
	u, err := registry.ParseURL("layered://?a=redis+cluster://u:p+w%3F@h:1&b=" + url.QueryEscape("redis+cluster://u:p w@h") + "&c=x+y")
	if err != nil {
		t.Fatal(err)
	}
	p := registry.NewParams(u)
	for name, want := range map[string]string{
		"a": "redis+cluster://u:p+w%3F@h:1", // as written
		"b": "redis+cluster://u:p w@h",      // unescaped once
		"c": "x y",                          // not a URL: a query value
		"d": "memory://",                    // the default
	} {
		if got := p.URL(name, "memory://"); got != want {
			t.Errorf("URL(%s) = %q, want %q", name, got, want)
		}
	}
	if err := p.Done(); err != nil {
		t.Error(err)
	}
}
