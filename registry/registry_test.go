package registry_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

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
	cfg := strata.Config{URL: "layered://?l2=" + url.QueryEscape("redis://u:s3cret@h:6379/0")}
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
