package registry

import (
	"errors"
	"fmt"
	"net/url"
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
	if u.Scheme == "" {
		return nil, fmt.Errorf(`strata: cache URL %s has no scheme: use e.g. "memory://" or "redis://host:6379/0"`, Redact(rawURL))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u, nil
}

// Redact returns rawURL with any password replaced by "xxxxx", for logs and errors. It
// copes with URLs url.Parse rejects by hiding everything between "://" and the last "@"
// before the path.
func Redact(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Redacted()
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return "(unparseable URL)"
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

// scrub hides u's password in err's text, a second line of defence for factories.
func scrub(err error, u *url.URL) error {
	if u.User == nil {
		return err
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return &scrubbedError{err: err, secret: pw}
}

type scrubbedError struct {
	err    error
	secret string
}

func (e *scrubbedError) Error() string { return strings.ReplaceAll(e.err.Error(), e.secret, "xxxxx") }
func (e *scrubbedError) Unwrap() error { return e.err }
