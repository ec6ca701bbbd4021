package redis

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/internal/secrettest"
	"github.com/stratacache/strata/registry"
)

// userinfoPassword is pw as url.UserPassword writes it in a URL's user info.
func userinfoPassword(pw string) string {
	return strings.TrimPrefix(url.UserPassword("", pw).String(), ":")
}

// TestParseURLPasswordWithDelimiters: in every topology, a password holding any
// delimiter reaches go-redis's options exactly, whether percent-encoded or written
// as is; only an unescaped '?' or '#' is refused, with an error that says to
// percent-encode and does not show the password.
func TestParseURLPasswordWithDelimiters(t *testing.T) {
	for _, pw := range secrettest.Passwords() {
		for _, written := range []string{userinfoPassword(pw), pw} {
			for _, raw := range []string{
				"redis://app:" + written + "@h:6379/2?prefix=p:",
				"redis://:" + written + "@h:6379/2?prefix=p:",
				"rediss://app:" + written + "@h:6379/2?prefix=p:",
				"redis+cluster://app:" + written + "@h1:7000,h2:7001?prefix=p:",
				"redis+sentinel://app:" + written + "@s1,s2:26380/mymaster/2?prefix=p:&sentinel_auth=true",
			} {
				cfg, err := ParseURL(raw)
				if written == pw && strings.ContainsAny(pw, "?#") {
					if err == nil || !strings.Contains(err.Error(), "percent-encode") || secrettest.Leak(err.Error(), pw) != "" {
						t.Errorf("ParseURL(%q) = %v; want an error saying to percent-encode, without the password", raw, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("ParseURL(%q): %v", raw, err)
					continue
				}
				if got := parsedPasswords(cfg); got != fmt.Sprint([]string{pw}) && got != fmt.Sprint([]string{pw, pw}) {
					t.Errorf("ParseURL(%q): passwords %s, want %q", raw, got, pw)
				}
				if cfg.Options.Prefix != "p:" {
					t.Errorf("ParseURL(%q): prefix %q", raw, cfg.Options.Prefix)
				}
				if s := cfg.String(); secrettest.Leak(s, pw) != "" || secrettest.Garbled(s) {
					t.Errorf("String() = %s", s)
				}
			}
		}
	}
}

// parsedPasswords lists the passwords in cfg's go-redis options (the sentinels'
// too, where sentinel_auth=true set them).
func parsedPasswords(cfg *Config) string {
	switch {
	case cfg.Standalone != nil:
		return fmt.Sprint([]string{cfg.Standalone.Password})
	case cfg.Cluster != nil:
		return fmt.Sprint([]string{cfg.Cluster.Password})
	case cfg.Sentinel != nil && cfg.Sentinel.SentinelPassword != "":
		return fmt.Sprint([]string{cfg.Sentinel.Password, cfg.Sentinel.SentinelPassword})
	case cfg.Sentinel != nil:
		return "no sentinel password"
	}
	return "no options"
}

// TestOpenWithDelimiterPasswordsOnARealServer authenticates, through Open and
// registry.Open, as ACL users whose passwords hold every delimiter, written
// percent-encoded and as is; a wrong password fails without showing either.
func TestOpenWithDelimiterPasswordsOnARealServer(t *testing.T) {
	ctx := ctxT(t)
	pws := secrettest.Passwords()
	var users []redistest.User
	for i, pw := range pws {
		users = append(users, redistest.User{Name: fmt.Sprintf("u%d", i), Password: pw})
	}
	srv := redistest.StartServer(t, &redistest.Options{Users: users})
	for i, pw := range pws {
		user := fmt.Sprintf("u%d", i)
		for _, written := range []string{userinfoPassword(pw), pw} {
			if written == pw && strings.ContainsAny(pw, "?#") {
				continue // refused by ParseURL (TestParseURLPasswordWithDelimiters)
			}
			raw := "redis://" + user + ":" + written + "@" + srv.Addr() + "/0?prefix=" + redistest.RandomPrefix()
			a, err := OpenURL(ctx, raw)
			if err != nil {
				t.Errorf("Open as %s with %q: %v", user, written, err)
				continue
			}
			if err := a.Ping(ctx); err != nil {
				t.Errorf("Ping as %s: %v", user, err)
			}
			_ = a.Close()
			ra, err := registry.Open(ctx, raw)
			if err != nil {
				t.Errorf("registry.Open as %s with %q: %v", user, written, err)
				continue
			}
			_ = ra.Close()

			// A wrong password: the server refuses it; the error names the address
			// but neither password.
			wrong := "redis://" + user + ":" + written + "Zx8@" + srv.Addr() + "/0?max_retries=-1"
			for name, open := range map[string]func() error{
				"Open":          func() error { _, err := OpenURL(ctx, wrong); return err },
				"registry.Open": func() error { _, err := registry.Open(ctx, wrong); return err },
			} {
				err := open()
				if err == nil {
					t.Fatalf("%s with a wrong password succeeded", name)
				}
				msg := err.Error()
				if f := secrettest.Leak(msg, pw); f != "" || strings.Contains(msg, "Zx8") {
					t.Errorf("%s: the error shows %q of the password:\n%s", name, f, msg)
				}
				if secrettest.Garbled(msg) || !strings.Contains(msg, srv.Addr()) {
					t.Errorf("%s: want a readable error naming %s:\n%s", name, srv.Addr(), msg)
				}
			}
		}
	}
}
