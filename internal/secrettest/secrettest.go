// Package secrettest holds what the tests of the registry and of the drivers share
// to prove that a password never reaches an error, a log line or a marshalled
// configuration: a table of passwords holding every delimiter a URL knows, and
// checks for their fragments and for garbled redaction.
package secrettest

import (
	"net/url"
	"strings"
)

// MinFragment is the shortest piece of a password Leak looks for: shorter pieces
// ("/", "Q") occur in ordinary text by chance.
const MinFragment = 3

// Delimiters are the characters a generated password may hold that mean something
// in a URL, one case each; "é✓" stands for non-ASCII text.
var Delimiters = []string{"/", "#", "?", "@", ":", "%", " ", "&", "=", "+", ";", ",", "[", "é✓", "\\"}

// Password returns a password that holds delim twice between pieces no error
// message contains by chance ("Qz7", "Vk2", "Jw9"), e.g. "Qz7/Vk2/Jw9".
func Password(delim string) string { return "Qz7" + delim + "Vk2" + delim + "Jw9" }

// Passwords are Password of every delimiter, a realistic base64 password and one
// holding all the delimiters at once.
func Passwords() []string {
	var ps []string
	for _, d := range Delimiters {
		ps = append(ps, Password(d))
	}
	return append(ps, "kP9/w+Zr7=Tq4==", "Qz7/#?@:% &=+;é✓Vk2")
}

// Leak returns the first piece of pw (of at least MinFragment runes, or the whole
// of it, or one of its escaped forms) that text contains, or "" if none.
func Leak(text, pw string) string {
	for _, f := range []string{pw, url.QueryEscape(pw), url.PathEscape(pw),
		strings.TrimPrefix(url.UserPassword("", pw).String(), ":")} {
		if len(f) >= MinFragment && strings.Contains(text, f) {
			return f
		}
	}
	r := []rune(pw)
	for i := range r {
		for j := i + MinFragment; j <= len(r); j++ {
			if f := string(r[i:j]); strings.Contains(text, f) {
				return f
			}
		}
	}
	return ""
}

// Garbled reports whether text holds the redaction mark "xxxxx" glued to a letter
// or digit, i.e. a replacement inside an ordinary word, as in "cannot xxxxxarse"
// after a one-letter password was replaced everywhere. A percent-escape before
// the mark ("%3Axxxxx", in an escaped child URL) is not a word.
func Garbled(text string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], mark)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(mark)
		if start > 0 && isWord(text[start-1]) && !(start >= 3 && text[start-3] == '%') {
			return true
		}
		if end < len(text) && isWord(text[end]) {
			return true
		}
		i = end
	}
}

const mark = "xxxxx"

// isWord reports whether b is an ASCII letter or digit or part of a non-ASCII rune.
func isWord(b byte) bool {
	return b >= 0x80 || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || ('0' <= b && b <= '9')
}
