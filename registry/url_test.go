package registry_test

import (
	"strings"
	"testing"

	"github.com/stratacache/strata/registry"
)

func TestRedactHidesPasswords(t *testing.T) {
	cases := map[string]string{
		"redis://user:s3cret@host:6379/0":    "redis://user:xxxxx@host:6379/0",
		"redis://host:6379/0":                "redis://host:6379/0",
		"redis://u:s3cret@ho st:bad/0":       "redis://u:xxxxx@ho st:bad/0",
		"redis://u:s3cret@host:99999x/0?a=b": "redis://u:xxxxx@host:99999x/0?a=b",
		"redis://host/0?password=s3cret":     "redis://host/0?password=xxxxx",
		"redis://host/0?db_token=s3cret&a=1": "redis://host/0?db_token=xxxxx&a=1", // order kept
		"redis:u:s3cret@h":                   "(unparseable URL with credentials)",
		// Found by structure: the user info ends at the last '@' before '?' or '#'.
		"redis://u:s3/cr@et@host:6379/0?prefix=a@b":                 "redis://u:xxxxx@host:6379/0?prefix=a@b",
		"redis://u:s3cret?x@host:6379/0":                            "redis://xxxxx@host:6379/0",
		"redis://host/0?password=s3&cret&a=1":                       "redis://host/0?password=xxxxx&a=1",
		"redis://host/0?password=s3cret#more":                       "redis://host/0?password=xxxxx#xxxxx",
		"redis+sentinel://h/m?sentinel_auth=true":                   "redis+sentinel://h/m?sentinel_auth=true",
		"layered://?l1=memory://&l2=redis://u:s3cret@h:1/0":         "layered://?l1=memory://&l2=redis://u:xxxxx@h:1/0",
		"layered://?l1=memory://&l2=redis://u:s3&cret@h:1/0":        "layered://?l1=memory://&l2=redis://u:xxxxx@h:1/0",
		"layered://?l2=redis%3A%2F%2Fu%3As3cret%40h%3A1%2F0&a=1":    "layered://?l2=redis%3A%2F%2Fu%3Axxxxx%40h%3A1%2F0&a=1",
		"layered://?l2=redis%3A%2F%2Fh%3A1%2F0%3Fpassword%3Ds3cret": "layered://?l2=redis%3A%2F%2Fh%3A1%2F0%3Fpassword%3Dxxxxx",
	}
	for in, want := range cases {
		if got := registry.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(registry.Redact(in), "s3cret") {
			t.Errorf("Redact(%q) leaks the password", in)
		}
	}
}

func TestParseURLErrorsNeverShowThePassword(t *testing.T) {
	for _, raw := range []string{
		"redis://u:s3cret@host:port/0",
		"redis://u:s3cret@[::1/0",
		"://u:s3cret@host",
		"u:s3cret@host",
		"redis:u:s3cret@h",
	} {
		_, err := registry.ParseURL(raw)
		if err == nil {
			t.Errorf("ParseURL(%q) = nil error", raw)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseURL(%q) error leaks the password: %v", raw, err)
		}
	}
	if _, err := registry.ParseURL(""); err == nil || !strings.Contains(err.Error(), "memory://") {
		t.Errorf("ParseURL(\"\") = %v; want an error suggesting a URL", err)
	}
}
