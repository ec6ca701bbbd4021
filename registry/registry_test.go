package registry_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	_ "github.com/stratacache/strata/drivers/all"
	"github.com/stratacache/strata/registry"
)

// leaky is a registered scheme whose factory fails with the URL's password in its
// message, the way a careless third-party driver might.
func init() {
	registry.Register("leaky-test", func(_ context.Context, u *url.URL) (adapter.Adapter, error) {
		pw, _ := u.User.Password()
		if pw == "" {
			pw = u.Query().Get("password")
		}
		return nil, fmt.Errorf("auth failed for password %s", pw)
	})
}

func TestOpenMemoryAndUseIt(t *testing.T) {
	ctx := context.Background()
	c, err := strata.Open[string](ctx, "memory://?max_cost=1MiB", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Set(ctx, "k", "v", adapter.DefaultTTL); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get(ctx, "k"); err != nil || v != "v" {
		t.Fatalf("Get = %q, %v", v, err)
	}
}

func TestSchemesListsBuiltins(t *testing.T) {
	s := registry.Schemes()
	if !slices.Contains(s, "memory") || !slices.IsSorted(s) {
		t.Fatalf("Schemes() = %v; want sorted and containing memory", s)
	}
}

func TestUnknownSchemeListsRegisteredOnes(t *testing.T) {
	_, err := registry.Open(context.Background(), "memcached://u:s3cret@host:11211")
	if !errors.Is(err, registry.ErrUnknownScheme) {
		t.Fatalf("err = %v, want ErrUnknownScheme", err)
	}
	for _, want := range []string{"memcached", "memory"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestUnknownParameterIsAnError(t *testing.T) {
	_, err := registry.Open(context.Background(), "memory://?max_cots=1MiB")
	if err == nil || !strings.Contains(err.Error(), "max_cots") {
		t.Fatalf("err = %v; want one naming max_cots", err)
	}
}

func TestFactoryErrorsAreScrubbed(t *testing.T) {
	_, err := registry.Open(context.Background(), "leaky-test://admin:s3cret@host")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("err = %v; want an error without the password", err)
	}
	if !strings.Contains(err.Error(), "auth failed") {
		t.Fatalf("err = %v; the driver's own words should remain", err)
	}
}

func TestQuerySecretsAreScrubbed(t *testing.T) {
	_, err := registry.Open(context.Background(), "leaky-test://host?password=s3cret")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("err = %v; want an error without the password", err)
	}
}

func TestChildURLSecretsAreScrubbed(t *testing.T) {
	// A driver with child URLs (like layered) may echo a child's password, escaped
	// or not; neither form may reach the error.
	var mux registry.Mux
	mux.Register("nested-leaky-test", func(_ context.Context, u *url.URL) (adapter.Adapter, error) {
		return nil, fmt.Errorf("child %s failed (raw query %s)", u.Query().Get("l2"), u.RawQuery)
	})
	_, err := mux.Open(context.Background(), "nested-leaky-test://?l2="+url.QueryEscape("redis://u:s3cr%t@h:6379/0"))
	if err == nil || strings.Contains(err.Error(), "s3cr") {
		t.Fatalf("err = %v; want an error without the child's password", err)
	}
	cfg := registry.Config{URL: "layered://?l2=" + url.QueryEscape("redis://u:s3cret@h:6379/0")}
	if strings.Contains(cfg.String(), "s3cret") {
		t.Fatalf("Config.String() = %s", cfg)
	}
}

func TestRegisterPanicsOnDuplicate(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("registering memory twice did not panic")
		}
	}()
	registry.Register("memory", func(context.Context, *url.URL) (adapter.Adapter, error) { return nil, nil })
}

func TestOpenHonoursCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := registry.Open(ctx, "memory://"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv("STRATA_URL", "")
	t.Setenv("STRATA_PREFIX", "app:")
	t.Setenv("STRATA_DEFAULT_TTL", "10m")
	t.Setenv("STRATA_SERIALIZER", "json")
	cfg, err := registry.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := registry.Config{URL: "memory://", Prefix: "app:", DefaultTTL: 10 * time.Minute, Serializer: "json"}
	if cfg != want {
		t.Fatalf("FromEnv() = %+v, want %+v", cfg, want)
	}
	t.Setenv("STRATA_DEFAULT_TTL", "never")
	if cfg, _ = registry.FromEnv(); cfg.DefaultTTL != adapter.NoExpiration {
		t.Fatalf("never: DefaultTTL = %v", cfg.DefaultTTL)
	}
	t.Setenv("STRATA_DEFAULT_TTL", "soon")
	if _, err := registry.FromEnv(); err == nil {
		t.Fatal("a malformed STRATA_DEFAULT_TTL was accepted")
	}
}

func TestConfigStringRedacts(t *testing.T) {
	s := registry.Config{URL: "redis://u:s3cret@h:6379/0"}.String()
	if strings.Contains(s, "s3cret") || !strings.Contains(s, "h:6379") {
		t.Fatalf("String() = %s", s)
	}
}

func TestOpenConfigCacheAppliesEverything(t *testing.T) {
	ctx := context.Background()
	cfg := registry.Config{URL: "memory://", Prefix: "p:", DefaultTTL: 50 * time.Millisecond, Serializer: "raw"}
	c, err := strata.OpenConfig[string](ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Set(ctx, "k", "hello", adapter.DefaultTTL); err != nil {
		t.Fatal(err)
	}
	// Raw codec and prefix: the adapter holds exactly "hello" under "p:k".
	b, err := c.Adapter().Get(ctx, "p:k")
	if err != nil || string(b) != "hello" {
		t.Fatalf("adapter Get(p:k) = %q, %v", b, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := c.Get(ctx, "k")
		if errors.Is(err, adapter.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("value with a 50ms default TTL still there after 5s (err %v)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestConfigRejectsBadFields(t *testing.T) {
	ctx := context.Background()
	if _, err := registry.OpenConfig(ctx, registry.Config{URL: "memory://", Serializer: "pickle"}); err == nil {
		t.Error("serializer pickle accepted")
	}
	if _, err := registry.OpenConfig(ctx, registry.Config{URL: "memory://", DefaultTTL: -time.Second}); !errors.Is(err, adapter.ErrInvalidTTL) {
		t.Errorf("negative DefaultTTL: err = %v", err)
	}
	if _, err := strata.OpenConfig[struct{ A int }](ctx, registry.Config{URL: "memory://", Serializer: "raw"}); err == nil {
		t.Error("raw serializer accepted for a struct type")
	}
}
