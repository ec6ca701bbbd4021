package registry_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/layered"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/internal/secrettest"
	"github.com/stratacache/strata/registry"
)

// passwordURL is one way of writing a URL with a password in it.
type passwordURL struct {
	name string
	raw  string
	// userinfo: the password stands in the user info (not in password=).
	userinfo bool
	// layered: the URL is a layered URL with the password in its child l2=;
	// nestedRaw: that child is written unescaped.
	layered, nestedRaw bool
	// placed is the password as written into the URL (escaped or not).
	placed string
}

const smallL1 = "memory://?max_cost=1MiB"

// passwordURLs writes pw, percent-encoded or as is, into every URL form the
// registry accepts, each with the query parameter trigger, which makes opening
// fail before any connection. (The drivers' tests cover connection failures.)
func passwordURLs(pw string, escaped bool, trigger string) []passwordURL {
	up, qp := pw, pw
	if escaped {
		up = strings.TrimPrefix(url.UserPassword("", pw).String(), ":")
		qp = url.QueryEscape(pw)
	}
	children := []passwordURL{
		{name: "redis user:pass", raw: "redis://app:" + up + "@127.0.0.1:1/0?" + trigger, userinfo: true, placed: up},
		{name: "redis :pass", raw: "redis://:" + up + "@127.0.0.1:1/0?" + trigger, userinfo: true, placed: up},
		{name: "rediss", raw: "rediss://app:" + up + "@127.0.0.1:1/0?" + trigger, userinfo: true, placed: up},
		{name: "cluster", raw: "redis+cluster://app:" + up + "@127.0.0.1:1,127.0.0.1:2?" + trigger, userinfo: true, placed: up},
		{name: "sentinel", raw: "redis+sentinel://app:" + up + "@127.0.0.1:1,127.0.0.1:2/mymaster/0?sentinel_auth=true&" + trigger,
			userinfo: true, placed: up},
		{name: "password param", raw: "redis://127.0.0.1:1/0?password=" + qp + "&" + trigger, placed: qp},
		{name: "sentinel_password param", raw: "redis+sentinel://127.0.0.1:1/mymaster?sentinel_password=" + qp + "&" + trigger, placed: qp},
	}
	all := children
	for _, c := range children {
		esc, raw := c, c
		// A small L1: the race detector makes large ones slow to create.
		esc.name, esc.raw, esc.layered = "layered escaped "+c.name, "layered://?l1="+url.QueryEscape(smallL1)+"&l2="+url.QueryEscape(c.raw), true
		raw.name, raw.raw, raw.layered, raw.nestedRaw = "layered unescaped "+c.name, "layered://?l1="+smallL1+"&l2="+c.raw, true, true
		all = append(all, esc, raw)
	}
	return all
}

// checkPasswordError fails t unless err is an error free of pw, readable, and
// saying what it should.
func checkPasswordError(t *testing.T, how string, u passwordURL, err error, pw string, escaped bool, marker string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s %s: no error", how, u.name)
		return
	}
	msg := err.Error()
	if f := secrettest.Leak(msg, pw); f != "" {
		t.Errorf("%s %s (%q): the error shows %q of the password:\n%s", how, u.name, u.raw, f, msg)
	}
	if secrettest.Garbled(msg) {
		t.Errorf("%s %s: the error is garbled by redaction:\n%s", how, u.name, msg)
	}
	// What the error must say depends on the characters written as they are (the
	// user-info escaping of url.UserPassword leaves "&=+;" alone).
	want, placed := marker, u.placed
	inQuery := !u.userinfo || u.nestedRaw // where the query's syntax applies to them
	// An unescaped sentinel child passes its trigger to the layered URL, whose
	// error comes first.
	triggerFirst := u.nestedRaw && strings.Contains(u.raw, "sentinel_auth=true&")
	switch {
	case u.nestedRaw && strings.Contains(placed, "&"):
		want = "" // the password is cut into parameters: no telling which error comes first
	case strings.Contains(placed, "#"), u.userinfo && strings.Contains(placed, "?") && !triggerFirst:
		// An unescaped '?' or '#' cannot be told from the start of the query or
		// fragment: the error must say what to do.
		want = "percent-encode"
	case inQuery && (strings.Contains(placed, ";") || strayPercent.MatchString(placed)):
		want = "percent-encode" // a malformed query
	case !u.userinfo && !u.nestedRaw:
		want = "user info" // password= is refused, pointing to the user info
	}
	if !strings.Contains(msg, want) {
		t.Errorf("%s %s (%q): want an error mentioning %q, got:\n%s", how, u.name, u.raw, want, msg)
	}
}

// strayPercent matches a '%' that does not start an escape.
var strayPercent = regexp.MustCompile(`%([^0-9A-Fa-f]|.[^0-9A-Fa-f]|.?$)`)

func TestPasswordWithDelimitersNeverInErrors(t *testing.T) {
	ctx := context.Background()
	triggers := []struct{ param, marker string }{
		{"bogus_param=1", "bogus_param"}, // an unknown parameter
		{"grace=soon", "grace"},          // a malformed value of Strata's own
	}
	logged := map[string]bool{}
	for _, pw := range secrettest.Passwords() {
		for _, escaped := range []bool{true, false} {
			for _, tr := range triggers {
				for _, u := range passwordURLs(pw, escaped, tr.param) {
					_, err := registry.Open(ctx, u.raw)
					checkPasswordError(t, "registry.Open", u, err, pw, escaped, tr.marker)
					if err != nil && !logged[u.name] && !escaped && strings.Contains(pw, "/") {
						logged[u.name] = true
						t.Logf("%s: %v", u.name, err)
					}
					_, err = strata.OpenConfig[string](ctx, strata.Config{URL: u.raw})
					checkPasswordError(t, "strata.OpenConfig", u, err, pw, escaped, tr.marker)
					if u.layered {
						checkLayeredDirect(t, ctx, u, pw, escaped, tr.marker)
						continue
					}
					_, err = redis.ParseURL(u.raw)
					checkPasswordError(t, "redis.ParseURL", u, err, pw, escaped, tr.marker)
				}
			}
		}
	}
}

// checkLayeredDirect opens a layered URL through layered's own entry points:
// OpenURL, and ParseURL followed by Open.
func checkLayeredDirect(t *testing.T, ctx context.Context, u passwordURL, pw string, escaped bool, marker string) {
	t.Helper()
	a, err := layered.OpenURL(ctx, u.raw)
	if err == nil {
		_ = a.Close()
	}
	checkPasswordError(t, "layered.OpenURL", u, err, pw, escaped, marker)
	cfg, err := layered.ParseURL(u.raw)
	if err == nil {
		if a, err = layered.Open(ctx, cfg); err == nil {
			_ = a.Close()
		}
	}
	checkPasswordError(t, "layered.ParseURL+Open", u, err, pw, escaped, marker)
}

func TestShortPasswordsDoNotGarbleErrors(t *testing.T) {
	ctx := context.Background()
	for _, pw := range []string{"p", "a", "0", "1", "/", ":", "e", "pa", "en"} {
		for _, raw := range []string{
			"redis://u:" + url.PathEscape(pw) + "@127.0.0.1:1/0?grace=soon",
			"redis://u:" + url.PathEscape(pw) + "@127.0.0.1:1/x",
			"leaky-test://admin:" + url.PathEscape(pw) + "@host",
			"layered://?l2=" + url.QueryEscape("redis://:"+url.PathEscape(pw)+"@127.0.0.1:1/0?grace=soon"),
		} {
			_, err := registry.Open(ctx, raw)
			if err == nil {
				t.Fatalf("%s opened", raw)
			}
			msg := err.Error()
			if secrettest.Garbled(msg) {
				t.Errorf("password %q: the error is garbled by redaction:\n%s", pw, msg)
			}
			for _, word := range []string{"strata", "open"} {
				if !strings.Contains(msg, word) {
					t.Errorf("password %q: %q is missing from the error:\n%s", pw, word, msg)
				}
			}
		}
	}
}
