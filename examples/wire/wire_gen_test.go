package main

import (
	"context"
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

func TestInjectedAppWorksOnMemory(t *testing.T) {
	t.Setenv("STRATA_URL", "memory://")
	ctx := context.Background()
	app, cleanup, err := InitializeApp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if err := app.Users.Set(ctx, "1", User{Name: "Ada"}, 0); err != nil {
		t.Fatal(err)
	}
	if u, err := app.Users.Get(ctx, "1"); err != nil || u.Name != "Ada" {
		t.Fatalf("Get = %+v, %v", u, err)
	}
}
