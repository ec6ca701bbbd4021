package strata_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/internal/secrettest"
)

// configURLs writes pw into every URL form a Config may hold, escaped as a user
// would (url.UserPassword, url.QueryEscape) and, where that parses, as is.
func configURLs(pw string) []string {
	up := strings.TrimPrefix(url.UserPassword("", pw).String(), ":")
	var urls []string
	for _, p := range []string{up, pw} {
		for _, raw := range []string{
			"redis://app:" + p + "@cache:6379/0",
			"redis://:" + p + "@cache:6379/0",
			"rediss://app:" + p + "@cache:6380/0",
			"redis+cluster://app:" + p + "@h1:7000,h2:7001",
			"redis+sentinel://app:" + p + "@s1,s2/mymaster/0?sentinel_auth=true",
			"redis://cache:6379/0?password=" + url.QueryEscape(pw),
			"redis://cache:6379/0?password=" + pw,
		} {
			urls = append(urls, raw, "layered://?l2="+url.QueryEscape(raw), "layered://?l1=memory://&l2="+raw)
		}
	}
	return urls
}

// badVerb is a verb that does not suit a Config (a variable: vet rejects it).
var badVerb = "%d"

// configOutputs renders cfg every way a program may print or write it.
func configOutputs(t *testing.T, cfg strata.Config) map[string]string {
	t.Helper()
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	jsp, err := json.Marshal(&cfg)
	if err != nil {
		t.Fatalf("json.Marshal(&cfg): %v", err)
	}
	nested, err := json.Marshal(struct{ Cache strata.Config }{cfg})
	if err != nil {
		t.Fatalf("json.Marshal(nested): %v", err)
	}
	var text, jsonLog bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("config", "cfg", cfg)
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("config", "cfg", cfg, slog.Any("ptr", &cfg))
	return map[string]string{
		"json": string(js), "json ptr": string(jsp), "json nested": string(nested),
		"%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg), "%#v": fmt.Sprintf("%#v", cfg),
		"%s": fmt.Sprintf("%s", cfg), "%q": fmt.Sprintf("%q", cfg), "%d": fmt.Sprintf(badVerb, cfg),
		"%v ptr": fmt.Sprintf("%v", &cfg), "%+v slice": fmt.Sprintf("%+v", []strata.Config{cfg}),
		"String": cfg.String(), "slog text": text.String(), "slog json": jsonLog.String(),
	}
}

func TestConfigNeverPrintsThePassword(t *testing.T) {
	for _, pw := range secrettest.Passwords() {
		for _, raw := range configURLs(pw) {
			cfg := strata.Config{URL: raw, Prefix: "app:", DefaultTTL: time.Minute, Serializer: "json"}
			for how, out := range configOutputs(t, cfg) {
				if f := secrettest.Leak(out, pw); f != "" {
					t.Errorf("%s of Config{URL: %q} shows %q of the password:\n%s", how, raw, f, out)
				}
				if secrettest.Garbled(out) {
					t.Errorf("%s of Config{URL: %q} is garbled:\n%s", how, raw, out)
				}
				if !strings.Contains(out, "app:") {
					t.Errorf("%s of Config{URL: %q} lacks the prefix:\n%s", how, raw, out)
				}
			}
		}
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	// A Config the user writes decodes as written, URL and all.
	in := `{"url":"redis://app:s3cr%2Ft@cache:6379/0","prefix":"app:","default_ttl":60000000000,"serializer":"json"}`
	var cfg strata.Config
	if err := json.Unmarshal([]byte(in), &cfg); err != nil {
		t.Fatal(err)
	}
	want := strata.Config{URL: "redis://app:s3cr%2Ft@cache:6379/0", Prefix: "app:", DefaultTTL: time.Minute, Serializer: "json"}
	if cfg != want {
		t.Fatalf("Unmarshal = %+v", cfg)
	}
	// Marshalled, the password is visibly redacted, and the rest survives a round trip.
	out, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"url":"redis://app:xxxxx@cache:6379/0","prefix":"app:","default_ttl":"1m","serializer":"json"}`; string(out) != want {
		t.Fatalf("Marshal = %s, want %s", out, want)
	}
	var back strata.Config
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if want.URL = "redis://app:xxxxx@cache:6379/0"; back != want {
		t.Fatalf("round trip = %+v, want %+v", back, want)
	}
	// A URL without a password round-trips exactly.
	plain := strata.Config{URL: "memory://?max_cost=64MiB"}
	out, _ = json.Marshal(plain)
	back = strata.Config{}
	if err := json.Unmarshal(out, &back); err != nil || back != plain {
		t.Fatalf("round trip of %s = %+v, %v", out, back, err)
	}
}

func TestConfigMarshalYAMLRedacts(t *testing.T) {
	// yaml.v2/v3 call MarshalYAML; the value they get must not hold the password.
	cfg := strata.Config{URL: "redis://app:s3cret@cache:6379/0", Prefix: "app:"}
	v, err := cfg.MarshalYAML()
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%#v", v); strings.Contains(s, "s3cret") || !strings.Contains(s, "app:xxxxx@cache") {
		t.Fatalf("MarshalYAML = %s", s)
	}
}
