package strata_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
)

func TestFromEnv(t *testing.T) {
	t.Setenv("STRATA_URL", "")
	t.Setenv("STRATA_PREFIX", "app:")
	t.Setenv("STRATA_DEFAULT_TTL", "10m")
	t.Setenv("STRATA_SERIALIZER", "json")
	cfg, err := strata.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := strata.Config{URL: "memory://", Prefix: "app:", DefaultTTL: 10 * time.Minute, Serializer: "json"}
	if cfg != want {
		t.Fatalf("FromEnv() = %+v, want %+v", cfg, want)
	}
	t.Setenv("STRATA_DEFAULT_TTL", "never")
	if cfg, _ = strata.FromEnv(); cfg.DefaultTTL != adapter.NoExpiration {
		t.Fatalf("never: DefaultTTL = %v", cfg.DefaultTTL)
	}
	t.Setenv("STRATA_DEFAULT_TTL", "soon")
	if _, err := strata.FromEnv(); err == nil {
		t.Fatal("a malformed STRATA_DEFAULT_TTL was accepted")
	}
}

func TestConfigStringRedacts(t *testing.T) {
	s := strata.Config{URL: "redis://u:s3cret@h:6379/0"}.String()
	if strings.Contains(s, "s3cret") || !strings.Contains(s, "h:6379") {
		t.Fatalf("String() = %s", s)
	}
}

func TestOpenConfigCacheAppliesEverything(t *testing.T) {
	synctest.Test(t, testOpenConfigCacheAppliesEverything) // fake time: the default TTL runs out exactly
}

func testOpenConfigCacheAppliesEverything(t *testing.T) {
	ctx := context.Background()
	cfg := strata.Config{URL: "memory://", Prefix: "p:", DefaultTTL: 50 * time.Millisecond, Serializer: "raw"}
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
	// The default TTL: there until 50ms have passed, gone then.
	time.Sleep(50*time.Millisecond - time.Millisecond)
	if v, err := c.Get(ctx, "k"); err != nil || v != "hello" {
		t.Fatalf("Get 1ms before the 50ms default TTL ends = %q, %v", v, err)
	}
	time.Sleep(time.Millisecond)
	if v, err := c.Get(ctx, "k"); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("Get once the 50ms default TTL ended = %q, %v; want a miss", v, err)
	}
}

func TestConfigRejectsBadFields(t *testing.T) {
	ctx := context.Background()
	if _, err := strata.OpenConfig[string](ctx, strata.Config{URL: "memory://", Serializer: "pickle"}); err == nil {
		t.Error("serializer pickle accepted")
	}
	if _, err := strata.OpenConfig[string](ctx, strata.Config{URL: "memory://", DefaultTTL: -time.Second}); !errors.Is(err, adapter.ErrInvalidTTL) {
		t.Errorf("negative DefaultTTL: err = %v", err)
	}
	if _, err := strata.OpenConfig[struct{ A int }](ctx, strata.Config{URL: "memory://", Serializer: "raw"}); err == nil {
		t.Error("raw serializer accepted for a struct type")
	}
}
