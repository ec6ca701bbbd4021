package redis_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/redis"
)

// fakeClock is one fake clock for miniredis and Strata. docs/testing.md shows this
// code: keep the two in step.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
	mr  *miniredis.Miniredis
}

func newFakeClock(mr *miniredis.Miniredis) *fakeClock {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	mr.SetTime(start)
	mr.ClockTTL(true) // miniredis' TTLs follow SetTime (by default only FastForward moves them)
	return &fakeClock{now: start, mr: mr}
}

// Now is what Strata reads (redis.Options.Clock).
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves time for miniredis and Strata together.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.mr.SetTime(c.now)
}

// TestSessionExpires is an application's unit test on miniredis, as docs/testing.md
// shows it.
func TestSessionExpires(t *testing.T) {
	mr := miniredis.RunT(t) // an in-process Redis, closed when the test ends
	clock := newFakeClock(mr)
	rdb := goredis.NewClient(&goredis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	a, err := redis.New(rdb, &redis.Options{Prefix: "app:", Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	sessions := strata.New[string](a, &strata.Options[string]{Prefix: "session:"})
	t.Cleanup(func() { _ = sessions.Close() })

	ctx := t.Context()
	if err := sessions.Set(ctx, "alice", "token-1", 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	clock.Advance(29 * time.Minute)
	if v, err := sessions.Get(ctx, "alice"); err != nil || v != "token-1" {
		t.Fatalf("after 29 minutes: %q, %v; want the session", v, err)
	}
	clock.Advance(time.Minute)
	if _, err := sessions.Get(ctx, "alice"); !errors.Is(err, strata.ErrNotFound) {
		t.Fatalf("after 30 minutes: %v; want strata.ErrNotFound", err)
	}
}

// An application's unit test on miniredis, an in-process Redis: miniredis and the
// adapter share a fake clock, so a key expires exactly when the test advances it,
// and the test never sleeps.
func ExampleOptions_clock() {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err) // in a test: miniredis.RunT(t), closed when the test ends
	}
	defer mr.Close()
	clock := newFakeClock(mr)

	rdb := goredis.NewClient(&goredis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	a, err := redis.New(rdb, &redis.Options{Prefix: "app:", Grace: time.Minute, Clock: clock})
	if err != nil {
		panic(err)
	}
	sessions := strata.New[string](a, &strata.Options[string]{Prefix: "session:"})
	defer sessions.Close()

	ctx := context.Background()
	if err := sessions.Set(ctx, "alice", "token-1", 30*time.Minute); err != nil {
		panic(err)
	}
	clock.Advance(30*time.Minute - time.Millisecond)
	v, err := sessions.Get(ctx, "alice")
	fmt.Println("a millisecond before:", v, err)

	clock.Advance(time.Millisecond)
	_, err = sessions.Get(ctx, "alice")
	fmt.Println("at 30 minutes, not found:", errors.Is(err, strata.ErrNotFound))

	// Within Grace, UpdateTimeout still revives it.
	v, err = sessions.UpdateTimeout(ctx, "alice", time.Hour)
	fmt.Println("revived:", v, err)
	// Output:
	// a millisecond before: token-1 <nil>
	// at 30 minutes, not found: true
	// revived: token-1 <nil>
}

// TestDocsShowTheseTests fails when a code block of docs/testing.md that names its
// source (an HTML comment "<!-- source: path -->" just before the block, path
// from the repository's root) is not found in that file as it is, so that the
// guide cannot drift from code that compiles and passes.
func TestDocsShowTheseTests(t *testing.T) {
	doc, err := os.ReadFile("../../docs/testing.md")
	if err != nil {
		t.Fatal(err)
	}
	const marker = "<!-- source: "
	rest, found := string(doc), 0
	for {
		_, after, ok := strings.Cut(rest, marker)
		if !ok {
			break
		}
		path, after, _ := strings.Cut(after, " -->\n")
		block, after, ok := strings.Cut(after, "\n```\n")
		if !ok || !strings.HasPrefix(block, "```go\n") {
			t.Fatalf("docs/testing.md: %s%s --> is not followed by a closed go code block", marker, path)
		}
		rest = after
		src, err := os.ReadFile(filepath.Join("../..", path))
		if err != nil {
			t.Fatalf("docs/testing.md names %s: %v", path, err)
		}
		if code := strings.TrimPrefix(block, "```go\n"); !strings.Contains(string(src), code+"\n") {
			t.Errorf("docs/testing.md: a code block differs from %s; copy the code from there:\n%s", path, code)
		}
		found++
	}
	if found < 3 {
		t.Errorf("docs/testing.md has %d code blocks with a source; want the memory, miniredis and TestMain ones", found)
	}
}
