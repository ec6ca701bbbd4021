package memory_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/memory"
)

// testClock is a fake clock a test advances by hand. docs/testing.md shows this
// code: keep the two in step.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestCodeExpires is an application's unit test on the memory driver, as
// docs/testing.md shows it.
func TestCodeExpires(t *testing.T) {
	clock := &testClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	a, err := memory.Open(t.Context(), &memory.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	codes := strata.New[string](a, &strata.Options[string]{Prefix: "otp:"})
	t.Cleanup(func() { _ = codes.Close() })

	ctx := t.Context()
	if err := codes.Set(ctx, "alice", "123456", 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	clock.Advance(4 * time.Minute)
	if v, err := codes.Get(ctx, "alice"); err != nil || v != "123456" {
		t.Fatalf("after 4 minutes: %q, %v; want the code", v, err)
	}
	clock.Advance(time.Minute)
	if _, err := codes.Get(ctx, "alice"); !errors.Is(err, strata.ErrNotFound) {
		t.Fatalf("after 5 minutes: %v; want strata.ErrNotFound", err)
	}
}

// An application's unit test on the memory driver with a fake clock: values expire
// exactly when the test advances the clock, with no server and no sleep.
func ExampleOptions_clock() {
	clock := &testClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	a, err := memory.Open(ctx, &memory.Options{Clock: clock})
	if err != nil {
		panic(err)
	}
	codes := strata.New[string](a, &strata.Options[string]{Prefix: "otp:"})
	defer codes.Close()

	if err := codes.Set(ctx, "alice", "123456", 5*time.Minute); err != nil {
		panic(err)
	}
	clock.Advance(5*time.Minute - time.Millisecond)
	v, err := codes.Get(ctx, "alice")
	fmt.Println("a millisecond before:", v, err)

	clock.Advance(time.Millisecond)
	_, err = codes.Get(ctx, "alice")
	fmt.Println("at 5 minutes, not found:", errors.Is(err, strata.ErrNotFound))
	// Output:
	// a millisecond before: 123456 <nil>
	// at 5 minutes, not found: true
}
