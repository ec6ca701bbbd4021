package strata_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
)

// TestConfigDurationsAreHuman: a Config reads and writes default_ttl as people
// write it, in JSON, YAML and the environment alike.
func TestConfigDurationsAreHuman(t *testing.T) {
	for _, tc := range []struct {
		text string
		want time.Duration
	}{
		{"10m", 10 * time.Minute}, {"1h30m", 90 * time.Minute}, {"1.5s", 1500 * time.Millisecond},
		{"never", adapter.NoExpiration}, {"", adapter.DefaultTTL},
	} {
		var j strata.Config
		if err := json.Unmarshal([]byte(`{"url":"memory://","default_ttl":"`+tc.text+`"}`), &j); err != nil || j.DefaultTTL != tc.want {
			t.Errorf("JSON %q: %v, %v; want %v", tc.text, j.DefaultTTL, err, tc.want)
		}
		var y strata.Config
		if err := yaml.Unmarshal([]byte("url: memory://\ndefault_ttl: \""+tc.text+"\"\n"), &y); err != nil || y.DefaultTTL != tc.want {
			t.Errorf("YAML %q: %v, %v; want %v", tc.text, y.DefaultTTL, err, tc.want)
		}
		t.Setenv("STRATA_DEFAULT_TTL", tc.text)
		if e, err := strata.FromEnv(); err != nil || e.DefaultTTL != tc.want {
			t.Errorf("env %q: %v, %v; want %v", tc.text, e.DefaultTTL, err, tc.want)
		}

		out, err := json.Marshal(strata.Config{URL: "memory://", DefaultTTL: tc.want})
		var back strata.Config
		if err != nil || json.Unmarshal(out, &back) != nil || back.DefaultTTL != tc.want {
			t.Errorf("JSON round trip of %v: %s, %v -> %v", tc.want, out, err, back.DefaultTTL)
		}
		if tc.text != "" && !strings.Contains(string(out), `"default_ttl":"`+tc.text+`"`) {
			t.Errorf("JSON of %v = %s; want default_ttl %q", tc.want, out, tc.text)
		}
		yout, err := yaml.Marshal(strata.Config{URL: "memory://", DefaultTTL: tc.want})
		var yback strata.Config
		if err != nil || yaml.Unmarshal(yout, &yback) != nil || yback.DefaultTTL != tc.want {
			t.Errorf("YAML round trip of %v: %s, %v -> %v", tc.want, yout, err, yback.DefaultTTL)
		}
	}
	// What encoding/json wrote for a time.Duration before: nanoseconds.
	var old strata.Config
	if err := json.Unmarshal([]byte(`{"url":"memory://","default_ttl":600000000000}`), &old); err != nil || old.DefaultTTL != 10*time.Minute {
		t.Errorf("nanoseconds: %v, %v", old.DefaultTTL, err)
	}
	for _, bad := range []string{`"soon"`, `"-5m"`, `"0s"`, `-5`, `1.5`, `true`} {
		var c strata.Config
		err := json.Unmarshal([]byte(`{"url":"memory://","default_ttl":`+bad+`}`), &c)
		if err == nil || !strings.Contains(err.Error(), "default_ttl") {
			t.Errorf("default_ttl %s: %v; want an error naming default_ttl", bad, err)
		}
		if strings.HasPrefix(bad, `"`) && !errors.Is(err, adapter.ErrInvalidTTL) {
			t.Errorf("default_ttl %s: %v; want ErrInvalidTTL", bad, err)
		}
	}
}
