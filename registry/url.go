package registry

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// ParseURL parses a cache URL. Unlike url.Parse, its errors never repeat the URL's
// password, and the scheme is lower-cased.
func ParseURL(rawURL string) (*url.URL, error) {
	if rawURL == "" {
		return nil, errors.New(`strata: empty cache URL: use e.g. "memory://" or "redis://localhost:6379/0"`)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the whole URL, password included
		}
		return nil, fmt.Errorf("strata: cannot parse cache URL %s: %v", Redact(rawURL), err)
	}
	if u.Opaque != "" {
		return nil, fmt.Errorf(`strata: cache URL %s lacks "//" after the scheme: write e.g. "redis://host:6379/0"`, Redact(rawURL))
	}
	if u.Scheme == "" {
		return nil, fmt.Errorf(`strata: cache URL %s has no scheme: use e.g. "memory://" or "redis://host:6379/0"`, Redact(rawURL))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u, nil
}

// secretParams are query parameters whose values Redact hides, whatever the driver.
var secretParams = []string{"password", "pass", "pwd", "secret", "token", "sentinel_password", "auth"}

func isSecretParam(name string) bool {
	name = strings.ToLower(name)
	for _, s := range secretParams {
		if name == s || strings.HasSuffix(name, "_"+s) {
			return true
		}
	}
	return false
}

// Redact returns rawURL with any password replaced by "xxxxx", for logs and errors:
// the user-info password and the values of query parameters such as password= or
// token=. It copes with URLs url.Parse rejects by hiding everything between "://" and
// the last "@" before the path.
func Redact(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Opaque == "" {
		if len(secrets(u)) == 0 {
			return rawURL // nothing to hide; url.URL.String would turn "memory://" into "memory:"
		}
		return redactURL(u)
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		if strings.Contains(rawURL, "@") {
			return "(unparseable URL with credentials)"
		}
		return rawURL
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return rawURL
	}
	return scheme + "://xxxxx" + rest[at:]
}

func redactURL(u *url.URL) string {
	if len(secrets(u)) == 0 {
		return u.String()
	}
	q := u.Query()
	for name, vs := range q {
		for i, v := range vs {
			switch {
			case isSecretParam(name):
				vs[i] = "xxxxx"
			case strings.Contains(v, "://"):
				vs[i] = Redact(v) // a child URL: layered://?l2=redis://u:pw@host
			}
		}
	}
	c := *u
	c.RawQuery = q.Encode()
	return c.Redacted()
}

// nestedURL returns v parsed as a URL when it is one (a child URL such as layered's
// l1= and l2=), else nil.
func nestedURL(v string) *url.URL {
	if !strings.Contains(v, "://") {
		return nil
	}
	n, err := url.Parse(v)
	if err != nil || n.Scheme == "" {
		return nil
	}
	return n
}

// rawUserinfoPassword finds the password in a URL that url.Parse rejects, such as
// "redis://u:p%w@host", so it can still be hidden.
func rawUserinfoPassword(v string) string {
	_, rest, ok := strings.Cut(v, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, pw, _ := strings.Cut(rest[:at], ":")
	return pw
}

// Secrets lists what must never appear in an error about u: the user-info password,
// secret query parameters (password=, token=, ...), and the same in child URLs given
// as query values (layered's l1= and l2=), each also in the escaped forms in which it
// may stand in a URL's text. Drivers pass them to Scrub.
func Secrets(u *url.URL) []string { return secrets(u) }

func secrets(u *url.URL) []string {
	var s []string
	add := func(v string) {
		if v == "" {
			return
		}
		userinfo := strings.TrimPrefix(url.UserPassword("", v).String(), ":")
		for _, f := range []string{v, userinfo, url.QueryEscape(v), url.PathEscape(v),
			url.QueryEscape(userinfo), url.QueryEscape(url.QueryEscape(userinfo))} {
			if !slices.Contains(s, f) {
				s = append(s, f)
			}
		}
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		add(pw)
	}
	for name, vs := range u.Query() {
		for _, v := range vs {
			switch {
			case isSecretParam(name):
				add(v)
			case nestedURL(v) != nil:
				for _, ns := range secrets(nestedURL(v)) {
					add(ns)
				}
			default:
				add(rawUserinfoPassword(v))
			}
		}
	}
	return s
}

// scrub hides u's secrets in err's text, a second line of defence for factories.
func scrub(err error, u *url.URL) error { return Scrub(err, secrets(u)...) }

// Scrub returns err with every non-empty secret replaced by "xxxxx" in its text;
// errors.Is and errors.As still see err. It returns err itself when no secret occurs.
func Scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var found []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(err.Error(), s) {
			found = append(found, s)
		}
	}
	if len(found) == 0 {
		return err
	}
	return &scrubbedError{err: err, secrets: found}
}

type scrubbedError struct {
	err     error
	secrets []string
}

func (e *scrubbedError) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		msg = strings.ReplaceAll(msg, s, "xxxxx")
	}
	return msg
}
func (e *scrubbedError) Unwrap() error { return e.err }
