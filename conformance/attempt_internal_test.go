package conformance

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
)

func TestRunAttemptSeparatesInconclusiveFromFailure(t *testing.T) {
	if reason, done := runAttempt(nil, func(SpecContext) {}); !done || reason != "" {
		t.Fatalf("a clean body: done=%v reason=%q", done, reason)
	}
	reason, done := runAttempt(nil, func(SpecContext) { panic(inconclusive{"too late"}) })
	if done || reason != "too late" {
		t.Fatalf("an inconclusive body: done=%v reason=%q", done, reason)
	}
	defer func() {
		if r := recover(); r != "real failure" {
			t.Fatalf("a failing body's panic was swallowed or changed: %v", r)
		}
	}()
	runAttempt(nil, func(SpecContext) { panic("real failure") })
	t.Fatal("a failing body's panic did not pass through")
}
