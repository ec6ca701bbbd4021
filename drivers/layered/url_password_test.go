package layered

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/internal/secrettest"
	"github.com/stratacache/strata/registry"
)

// childForms writes the child URL child, whose user info holds the password as
// written, into a layered URL escaped and, as users also do, unescaped. okEscaped
// and okUnescaped report whether each form can carry the password: no form can
// with an unescaped '?' or '#' in it (refused), and the unescaped form cannot
// with a character that means something in the layered URL's query ('&' ends the
// parameter; ';' and a '%' that starts no escape make the query malformed).
func childForms(child, written string) (escaped, unescaped string, okEscaped, okUnescaped bool) {
	okEscaped = !strings.ContainsAny(written, "?#")
	okUnescaped = okEscaped && !strings.ContainsAny(written, "&;") && !strayPercent.MatchString(written)
	return "layered://?l2=" + url.QueryEscape(child), "layered://?l1=memory://&l2=" + child, okEscaped, okUnescaped
}

// strayPercent matches a '%' that does not start an escape.
var strayPercent = regexp.MustCompile(`%([^0-9A-Fa-f]|.[^0-9A-Fa-f]|.?$)`)

// TestParseURLKeepsChildPasswords: the l2 URL of a layered URL reaches the child's
// parser with its password intact, whether the child URL is escaped or not (a '+'
// in an unescaped child stays a '+'), and Config.String never shows it.
func TestParseURLKeepsChildPasswords(t *testing.T) {
	for _, pw := range secrettest.Passwords() {
		for _, child := range []string{
			"redis://app:%s@h:6379/0?prefix=p:",
			"redis+cluster://app:%s@h1:7000,h2:7001",
		} {
			for _, written := range []string{strings.TrimPrefix(url.UserPassword("", pw).String(), ":"), pw} {
				checkChildPassword(t, fmt.Sprintf(child, written), written, pw)
			}
		}
	}
}

func checkChildPassword(t *testing.T, child, written, pw string) {
	t.Helper()
	escaped, unescaped, okEscaped, okUnescaped := childForms(child, written)
	for _, raw := range []string{escaped, unescaped} {
		o, err := ParseURL(raw)
		if !okEscaped || raw == unescaped && !okUnescaped {
			if err == nil {
				_, err = redis.ParseURL(o.L2) // the child's own parser refuses it
			}
			if err == nil || secrettest.Leak(err.Error(), pw) != "" || secrettest.Garbled(err.Error()) ||
				!strings.Contains(err.Error(), "percent-encode") {
				t.Errorf("%s: want a readable error saying to percent-encode, without the password, got %v", raw, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		cfg, err := redis.ParseURL(o.L2)
		if err != nil {
			t.Errorf("%s: l2: %v", raw, err)
			continue
		}
		got := ""
		if cfg.Standalone != nil {
			got = cfg.Standalone.Password
		} else {
			got = cfg.Cluster.Password
		}
		if got != pw {
			t.Errorf("%s: l2 password %q, want %q", raw, got, pw)
		}
		if s := o.String(); secrettest.Leak(s, pw) != "" || secrettest.Garbled(s) {
			t.Errorf("String() = %s", s)
		}
	}
}

// TestOpenURLWithDelimiterPasswordsOnARealServer opens layered URLs over a Redis
// whose ACL users have passwords holding every delimiter; a wrong password fails
// without showing either.
func TestOpenURLWithDelimiterPasswordsOnARealServer(t *testing.T) {
	ctx := ctxT(t)
	pws := secrettest.Passwords()
	var users []redistest.User
	for i, pw := range pws {
		users = append(users, redistest.User{Name: fmt.Sprintf("u%d", i), Password: pw})
	}
	srv := redistest.StartServer(t, &redistest.Options{Users: users})
	for i, pw := range pws {
		up := strings.TrimPrefix(url.UserPassword("", pw).String(), ":")
		for _, written := range []string{up, pw} {
			child := fmt.Sprintf("redis://u%d:%s@%s/0?prefix=%s", i, written, srv.Addr(), redistest.RandomPrefix())
			escaped, unescaped, okEscaped, okUnescaped := childForms(child, written)
			for _, raw := range []string{escaped, unescaped} {
				if !okEscaped || raw == unescaped && !okUnescaped {
					continue // refused (TestParseURLKeepsChildPasswords)
				}
				a, err := registry.Open(ctx, raw)
				if err != nil {
					t.Errorf("registry.Open(%s): %v", registry.Redact(raw), err)
					continue
				}
				_ = a.Close()
			}
		}
		wrong, _, _, _ := childForms(fmt.Sprintf("redis://u%d:%sZx8@%s/0?max_retries=-1", i, up, srv.Addr()), up)
		_, err := registry.Open(ctx, wrong)
		if err == nil {
			t.Fatal("a wrong password was accepted")
		}
		msg := err.Error()
		if f := secrettest.Leak(msg, pw); f != "" || strings.Contains(msg, "Zx8") || secrettest.Garbled(msg) {
			t.Errorf("the error shows %q of the password, or is garbled:\n%s", f, msg)
		}
		if !strings.Contains(msg, "l2") || !strings.Contains(msg, srv.Addr()) {
			t.Errorf("the error does not name the layer and address:\n%s", msg)
		}
	}
}
