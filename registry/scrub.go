package registry

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// secretParams are query parameters whose values Redact hides, whatever the driver.
var secretParams = []string{"password", "pass", "pwd", "secret", "token", "sentinel_password", "auth"}

// flagParams end like secret parameters but hold flags.
var flagParams = []string{"sentinel_auth"}

func isSecretParam(name string) bool {
	name = strings.ToLower(name)
	if slices.Contains(flagParams, name) {
		return false
	}
	for _, s := range secretParams {
		if name == s || strings.HasSuffix(name, "_"+s) {
			return true
		}
	}
	return false
}

// Secrets lists what must never appear in an error about u: the user-info password,
// secret query parameters (password=, token=, ...), and the same in child URLs given
// as query values (layered's l1= and l2=), each also in the escaped forms in which it
// may stand in a URL's text. Drivers pass them to Scrub.
func Secrets(u *url.URL) []string {
	var s secretList
	if u.User != nil {
		pw, _ := u.User.Password()
		s.add(pw)
	}
	s.query(u.RawQuery)
	return s
}

// URLSecrets is Secrets for a URL given as text, found by structure (as ParseURL
// does), so it works even for a URL that cannot be parsed.
func URLSecrets(rawURL string) []string {
	var s secretList
	s.raw(rawURL)
	return s
}

type secretList []string

// add records v and the forms in which it may stand in a URL's text.
func (s *secretList) add(v string) {
	if v == "" {
		return
	}
	ui := strings.TrimPrefix(url.UserPassword("", v).String(), ":")
	for _, f := range []string{v, ui, url.QueryEscape(v), url.PathEscape(v), url.QueryEscape(ui), url.QueryEscape(url.QueryEscape(ui))} {
		if !slices.Contains(*s, f) {
			*s = append(*s, f)
		}
	}
}

// raw records the secrets of the URL text v.
func (s *secretList) raw(v string) {
	p, ok, _ := splitURL(v)
	if !ok {
		return
	}
	if p.hasUser {
		if pw, ok := userinfo(p.userinfo).Password(); ok {
			s.add(pw)
		}
	}
	if _, q, ok := strings.Cut(p.rest, "?"); ok {
		q, _, _ = strings.Cut(q, "#")
		s.query(q)
	}
}

// query records the secret parameters of a raw query and the secrets of the child
// URLs among its values.
func (s *secretList) query(rawQuery string) {
	for _, pair := range strings.Split(rawQuery, "&") {
		key, value, _ := strings.Cut(pair, "=")
		v := queryUnescapeLenient(value)
		switch {
		case isSecretParam(queryUnescapeLenient(key)):
			s.add(v)
		case strings.Contains(v, "://"):
			s.raw(v)
			if strings.Contains(value, "://") {
				s.raw(value) // written unescaped: Params.URL takes it as is
			}
		}
	}
}

// minScrub is the shortest secret Scrub replaces: one or two characters occur in
// ordinary text by chance, and replacing them there garbles the message and tells
// the secret away ("cannot xxxxxarse"). ParseURL and Redact, which locate secrets
// by structure, protect short secrets.
const minScrub = 3

// Scrub returns err with every secret of at least three characters replaced by
// "xxxxx" where it stands as a whole in err's text (not inside a longer word);
// errors.Is and errors.As still see err. It returns err itself when no secret
// occurs. It is a second line of defence for drivers: errors should be built from
// redacted text (Redact) in the first place.
func Scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var found []string
	for _, s := range secrets {
		if utf8.RuneCountInString(s) >= minScrub && !slices.Contains(found, s) && replaceWhole(msg, s) != msg {
			found = append(found, s)
		}
	}
	if len(found) == 0 {
		return err
	}
	// Longest first, so that a secret's escaped form is hidden before a shorter
	// form inside it.
	slices.SortFunc(found, func(a, b string) int { return len(b) - len(a) })
	return &scrubbedError{err: err, secrets: found}
}

type scrubbedError struct {
	err     error
	secrets []string
}

func (e *scrubbedError) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		msg = replaceWhole(msg, s)
	}
	return msg
}

func (e *scrubbedError) Unwrap() error { return e.err }

// replaceWhole replaces each occurrence of secret in msg that is not glued to a
// letter or digit outside it by "xxxxx". A percent-escape just before it
// ("%3As3cret", in an escaped URL) does not count as glue.
func replaceWhole(msg, secret string) string {
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(msg[i:], secret)
		if j < 0 {
			break
		}
		start, end := i+j, i+j+len(secret)
		if gluedBefore(msg, start, secret) || gluedAfter(msg, end, secret) {
			b.WriteString(msg[i : start+1])
			i = start + 1
			continue
		}
		b.WriteString(msg[i:start])
		b.WriteString(redacted)
		i = end
	}
	if i == 0 {
		return msg
	}
	b.WriteString(msg[i:])
	return b.String()
}

func gluedBefore(msg string, start int, secret string) bool {
	if start == 0 {
		return false
	}
	first, _ := utf8.DecodeRuneInString(secret)
	prev, _ := utf8.DecodeLastRuneInString(msg[:start])
	if !isWordRune(first) || !isWordRune(prev) {
		return false
	}
	return !(start >= 3 && msg[start-3] == '%' && ishex(msg[start-2]) && ishex(msg[start-1]))
}

func gluedAfter(msg string, end int, secret string) bool {
	if end == len(msg) {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(secret)
	next, _ := utf8.DecodeRuneInString(msg[end:])
	return isWordRune(last) && isWordRune(next)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
