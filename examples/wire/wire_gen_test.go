package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"testing"
)

// TestWireGenIsUpToDate fails when wire.go or a ProviderSet changed without
// regenerating wire_gen.go (run `make wire`).
func TestWireGenIsUpToDate(t *testing.T) {
	out, err := exec.Command("go", "tool", "wire", "diff", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("wire_gen.go is stale or wire failed; run `make wire`:\n%s(%v)", out, err)
	}
}

// appWithAda injects the App from the environment (closed when the test ends) and
// stores user 1.
func appWithAda(t *testing.T) *App {
	t.Helper()
	app, cleanup, err := InitializeApp(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	if err := app.Users.Set(context.Background(), "1", User{Name: "Ada"}, 0); err != nil {
		t.Fatal(err)
	}
	return app
}

func TestInjectedAppWorksOnMemory(t *testing.T) {
	t.Setenv("STRATA_URL", "memory://")
	ctx := context.Background()
	app := appWithAda(t)
	if u, err := app.Users.Get(ctx, "1"); err != nil || u.Name != "Ada" {
		t.Fatalf("Get = %+v, %v", u, err)
	}
}

// TestInjectedAppAppliesTheWholeConfig: STRATA_PREFIX and STRATA_SERIALIZER reach
// the cache the injector builds (they used to be checked and then ignored).
func TestInjectedAppAppliesTheWholeConfig(t *testing.T) {
	t.Setenv("STRATA_URL", "memory://")
	t.Setenv("STRATA_PREFIX", "myapp:")
	t.Setenv("STRATA_SERIALIZER", "json")
	ctx := context.Background()
	app := appWithAda(t)
	b, err := app.Users.Adapter().Get(ctx, "myapp:users:1")
	if err != nil {
		t.Fatalf("the value is not under the configured prefix: %v", err)
	}
	var u User
	if err := json.Unmarshal(b, &u); err != nil || u.Name != "Ada" {
		t.Fatalf("stored %q: want plain JSON: %v", b, err)
	}
}
