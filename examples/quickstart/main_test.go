package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

// TestQuickstartRunsOnMemory runs the tour as `go run ./examples/quickstart` would,
// with no environment, and checks what it reports.
func TestQuickstartRunsOnMemory(t *testing.T) {
	for _, k := range []string{"STRATA_URL", "STRATA_PREFIX", "STRATA_DEFAULT_TTL", "STRATA_SERIALIZER"} {
		t.Setenv(k, "")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	runErr := run(context.Background())
	os.Stdout = stdout
	w.Close()
	var out bytes.Buffer
	io.Copy(&out, r)
	if runErr != nil {
		t.Fatalf("run: %v\n%s", runErr, out.String())
	}
	for _, want := range []string{
		"opened strata.Config{URL: memory://",
		"get 1: {ID:1 Name:Ada Email:ada@example.com}",
		"get 404: not found=true",
		"get 404 with default: guest",
		"expired=true",
		"update-timeout 2 to never expire: Grace",
		"remove 1,2: all existed=true; remove 1,3 again: all existed=false",
		"loader ran 1 time(s)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
