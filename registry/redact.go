package registry

import (
	"net/url"
	"strings"
)

// redacted is what Redact writes in place of a secret.
const redacted = "xxxxx"

// Redact returns rawURL with every secret replaced by "xxxxx", for logs and errors:
// the user-info password, the values of query parameters such as password= or
// token=, and the same in child URLs given as parameter values (layered's l1= and
// l2=), escaped or not. It finds them by the URL's structure, as ParseURL does, so
// it copes with URLs that cannot be parsed, and otherwise keeps the text as written.
// Where the structure is ambiguous (an unescaped '?' or '#' in a password) it hides
// more rather than less, and it hides any fragment.
func Redact(rawURL string) string {
	p, ok, ambiguous := splitURL(rawURL)
	switch {
	case !ok && strings.Contains(rawURL, "@"):
		return "(unparseable URL with credentials)"
	case !ok:
		return rawURL
	case ambiguous:
		// The user info ends at an '@' after a '?' or '#': hide up to the last one,
		// and the rest too unless it starts with a host (the password may hold '@').
		at := strings.LastIndexByte(p.rest, '@')
		tail := p.rest[at+1:]
		if hosts, _, _ := strings.Cut(tail, "?"); !plausibleHosts(hosts) || strings.Contains(hosts, "#") {
			return p.scheme + "://" + redacted
		}
		return p.scheme + "://" + redacted + "@" + redactRest(tail)
	}
	var b strings.Builder
	b.WriteString(p.scheme)
	b.WriteString("://")
	if p.hasUser {
		b.WriteString(redactUserinfo(p.userinfo))
		b.WriteByte('@')
	}
	b.WriteString(redactRest(p.rest))
	return b.String()
}

// redactUserinfo keeps the user name of "name:password" and hides the password.
// A user info without ':' is a user name alone, as in net/url.
func redactUserinfo(ui string) string {
	if name, _, hasPw := strings.Cut(ui, ":"); hasPw {
		return name + ":" + redacted
	}
	return ui
}

// redactRest hides the secrets in the part of a URL after its user info: in the
// query, and the whole fragment.
func redactRest(rest string) string {
	rest, frag, hasFrag := strings.Cut(rest, "#")
	hostPath, query, hasQuery := strings.Cut(rest, "?")
	out := hostPath
	if hasQuery {
		out += "?" + redactQuery(query)
	}
	if hasFrag && frag != "" {
		out += "#" + redacted
	}
	return out
}

// redactQuery hides secrets in a raw query, keeping its order and escaping.
func redactQuery(q string) string {
	q = redactRawChildren(q)
	pairs := strings.Split(q, "&")
	out := pairs[:0]
	afterSecret := false
	for _, pair := range pairs {
		key, value, hasValue := strings.Cut(pair, "=")
		switch {
		case !hasValue && afterSecret:
			// A bare word after a secret is most likely the rest of it, cut at an
			// unescaped '&' (password=Qz7&Vk2): drop it.
			continue
		case isSecretParam(queryUnescapeLenient(key)) && hasValue:
			pair = key + "=" + redacted
		case strings.Contains(value, "://"):
			pair = key + "=" + Redact(value) // a child URL written unescaped
		case hasValue && strings.Contains(queryUnescapeLenient(value), "://"):
			pair = key + "=" + url.QueryEscape(Redact(queryUnescapeLenient(value))) // an escaped child URL
		}
		afterSecret = strings.HasSuffix(pair, redacted)
		out = append(out, pair)
	}
	return strings.Join(out, "&")
}

// redactRawChildren hides the user-info passwords of child URLs written unescaped
// in a query (layered://?l1=memory://&l2=redis://u:pw@host), even where the
// password holds an '&' that splits the parameter. A child's user info ends at the
// last '@' before its '?' or '#' or the parameter of the next child URL.
func redactRawChildren(q string) string {
	var b strings.Builder
	pos := 0
	for {
		i := strings.Index(q[pos:], "://")
		if i < 0 {
			break
		}
		start := pos + i + 3
		end := len(q)
		if k := strings.IndexAny(q[start:], "?#"); k >= 0 {
			end = start + k
		}
		if n := strings.Index(q[start:end], "://"); n >= 0 {
			if a := strings.LastIndexByte(q[start:start+n], '&'); a >= 0 {
				end = start + a
			}
		}
		b.WriteString(q[pos:start])
		pos = start
		if at := strings.LastIndexByte(q[start:end], '@'); at >= 0 {
			b.WriteString(redactUserinfo(q[start : start+at]))
			pos = start + at
		}
	}
	b.WriteString(q[pos:])
	return b.String()
}

// queryUnescapeLenient decodes a query key or value, or returns it as written if
// it is malformed.
func queryUnescapeLenient(s string) string {
	if v, err := url.QueryUnescape(s); err == nil {
		return v
	}
	return s
}
