package registry

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrPasswordEncoding is returned (wrapped) by ParseURL and Open for a URL whose
// user info holds an unescaped '?' or '#', which cannot be told apart from the start
// of the query or fragment. The error never shows the password.
var ErrPasswordEncoding = errors.New(`strata: a '?' or '#' in a cache URL's password must be percent-encoded`)

// ParseURL parses a cache URL. The user info is found by the URL's structure
// before net/url sees the text: it is everything between "://" and the last '@'
// before the first '?' or '#'. So a password may hold any character unescaped
// ('/', '@', ':', '%', spaces, non-ASCII, ...) except '?' and '#'; a '%' followed by
// two hex digits is read as an escape. An '@' in a path must be written %40.
//
// A URL whose password holds an unescaped '?' or '#' is refused with an error
// wrapping ErrPasswordEncoding that says to percent-encode it ('?' as %3F, '#' as
// %23; url.UserPassword does so). Cache URLs have no fragment: any '#' is refused
// the same way. So is a malformed query (a ';', or a '%' not followed by two hex
// digits). The scheme is lower-cased, and errors never repeat the password.
func ParseURL(rawURL string) (*url.URL, error) {
	if rawURL == "" {
		return nil, errors.New(`strata: empty cache URL: use e.g. "memory://" or "redis://localhost:6379/0"`)
	}
	p, ok, ambiguous := splitURL(rawURL)
	switch {
	case !ok:
		return nil, fmt.Errorf(`strata: cache URL %s lacks "//" after the scheme: write e.g. "redis://host:6379/0"`, Redact(rawURL))
	case ambiguous:
		return nil, fmt.Errorf("%w ('?' as %%3F, '#' as %%23; url.UserPassword does it): cache URL %s has an '@' after a '?' or '#'",
			ErrPasswordEncoding, Redact(rawURL))
	case p.scheme == "":
		return nil, fmt.Errorf(`strata: cache URL %s has no scheme: use e.g. "memory://" or "redis://host:6379/0"`, Redact(rawURL))
	case !validScheme(p.scheme):
		return nil, fmt.Errorf("strata: cache URL %s: the scheme must be a letter followed by letters, digits, '+', '-' or '.'", Redact(rawURL))
	case strings.Contains(p.rest, "#"):
		return nil, fmt.Errorf("%w (as %%23): cache URL %s has a '#', but cache URLs have no fragment", ErrPasswordEncoding, Redact(rawURL))
	}
	// net/url never sees the user info: its errors cannot repeat the password.
	u, err := url.Parse(p.scheme + "://" + p.rest)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the whole URL
		}
		return nil, fmt.Errorf("strata: cannot parse cache URL %s: %v", Redact(rawURL), err)
	}
	if _, err := url.ParseQuery(u.RawQuery); err != nil {
		return nil, fmt.Errorf("strata: cache URL %s has a %w", Redact(rawURL), errMalformedQuery)
	}
	if p.hasUser {
		u.User = userinfo(p.userinfo)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u, nil
}

// errMalformedQuery does not repeat url.ParseQuery's error, which quotes the text
// around a bad escape: that text may be part of a password.
var errMalformedQuery = errors.New("malformed query (a ';', or a '%' not followed by two hex digits): " +
	"write parameters as name=value joined by '&', and percent-encode such characters in values (url.QueryEscape)")

// urlParts is a URL's text cut by structure alone.
type urlParts struct {
	scheme   string // before "://", as written
	userinfo string // between "://" and the '@' that ends the user info, as written
	hasUser  bool
	rest     string // host, path, query and fragment, as written
}

// splitURL cuts raw at its first "://" and finds the user info: everything up to
// the last '@' before the first '?' or '#'. ok is false without "://". ambiguous
// reports an '@' after a '?' or '#' that seems to end a user info whose password
// holds that '?' or '#' (see passwordInTail).
func splitURL(raw string) (p urlParts, ok, ambiguous bool) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return urlParts{}, false, false
	}
	p = urlParts{scheme: scheme, rest: rest}
	k := strings.IndexAny(rest, "?#")
	if k < 0 {
		k = len(rest)
	}
	if at := strings.LastIndexByte(rest[:k], '@'); at >= 0 {
		p.userinfo, p.hasUser, p.rest = rest[:at], true, rest[at+1:]
		return p, true, false
	}
	return p, true, passwordInTail(rest, k)
}

// passwordInTail reports whether the '@' that ends a user info seems to come after
// rest[k], the first '?' or '#': the password then holds that character. An '@'
// after a '#' always does (cache URLs have no fragment). After a '?', an '@' is
// ordinary in a parameter value (prefix=a@b) or after a child URL's "://"
// (l2=redis://u:pw@host); else it ends a user info if its parameter has no '=' (the
// password's tail, "?Vk2@host") or if what precedes the '?' cannot be a host
// ("user:Qz7", not "host:6379"). A numeric password start followed by '?' and
// "name=value" ("u:1234?a=b@host") looks like a host and a query: it stays so.
func passwordInTail(rest string, k int) bool {
	tail := rest[k:]
	j := strings.IndexByte(tail, '@')
	if j < 0 {
		return false
	}
	before := tail[:j]
	if strings.Contains(before, "#") {
		return true
	}
	if strings.Contains(before, "://") {
		// The user info of a child URL (whose password may hold an '&'), checked
		// when the child is parsed.
		return false
	}
	piece := strings.TrimPrefix(before[strings.LastIndexByte(before, '&')+1:], "?")
	return !strings.Contains(piece, "=") || !plausibleHosts(rest[:k])
}

// plausibleHosts reports whether s (a URL's text before its query) can be a
// comma-separated host list with an optional path: every port all digits.
func plausibleHosts(s string) bool {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	for _, h := range strings.Split(s, ",") {
		if strings.HasPrefix(h, "[") {
			end := strings.IndexByte(h, ']')
			if end < 0 {
				return false
			}
			h = "x" + h[end+1:]
		}
		host, port, hasPort := strings.Cut(h, ":")
		if strings.Contains(host, ":") || (hasPort && strings.Trim(port, "0123456789") != "") {
			return false
		}
	}
	return true
}

// validScheme reports whether s is a URL scheme: a letter, then letters, digits,
// '+', '-' or '.'.
func validScheme(s string) bool {
	for i, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case i > 0 && ('0' <= r && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// userinfo decodes user info as written: "name:password" or "name", where a '%'
// followed by two hex digits is an escape and any other '%' stands for itself.
func userinfo(raw string) *url.Userinfo {
	name, pw, hasPw := strings.Cut(raw, ":")
	if !hasPw {
		return url.User(unescapeLenient(name))
	}
	return url.UserPassword(unescapeLenient(name), unescapeLenient(pw))
}

// unescapeLenient decodes every "%XX" escape of s and keeps any other '%' as is.
func unescapeLenient(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
