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
		"redis://u:s3cret@ho st:bad/0":       "redis://xxxxx@ho st:bad/0",
		"redis://u:s3cret@host:99999x/0?a=b": "redis://xxxxx@host:99999x/0?a=b",
		"redis://host/0?password=s3cret":     "redis://host/0?password=xxxxx",
		"redis://host/0?db_token=s3cret&a=1": "redis://host/0?a=1&db_token=xxxxx",
		"redis:u:s3cret@h":                   "(unparseable URL with credentials)",
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
