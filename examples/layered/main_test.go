package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestLayeredExample runs the example as `go run ./examples/layered` would with no
// environment: it starts a throwaway redis-server (which must be installed) and shows
// a write through one process's cache reaching the other's L1.
func TestLayeredExample(t *testing.T) {
	t.Setenv("STRATA_URL", "")
	t.Setenv("REDIS_URL", "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	t.Log("\n" + out.String())
	for _, want := range []string{
		"L2: a throwaway redis-server on 127.0.0.1:",
		"each has an L1 kept at most 30s",
		"A: set greeting = hello",
		"B: get greeting = hello (read from Redis; in B's L1 now: true)",
		"B: get greeting = hello (an L1 hit, in ",
		"A: set greeting = bonjour -> B's L1 dropped it ",
		"B: get greeting = bonjour (in B's L1 now: true)",
		"A: remove greeting -> B's L1 dropped it ",
		"B: get greeting: not found",
		"B is healthy (serving its L1): true",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
