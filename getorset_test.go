package strata_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stratacache/strata"
)

type profile struct {
	Name string
	Tags []string
}

// TestGetOrSetWaitersGetTheirOwnCopy: concurrent waiters on one load must not
// share the loaded value (Get never shares either): a waiter changing its value
// would change every other waiter's, and the loader's own.
func TestGetOrSetWaitersGetTheirOwnCopy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := strata.New[*profile](newMemory(t), nil)
		shared := &profile{Name: "ada", Tags: []string{"a"}}
		got := waitersOf(t, c, shared)
		seen := map[*profile]bool{shared: true}
		for i, p := range got {
			if seen[p] {
				t.Fatalf("waiter %d got a pointer another waiter (or the loader) holds", i)
			}
			seen[p] = true
			if p.Name != "ada" || len(p.Tags) != 1 || p.Tags[0] != "a" {
				t.Fatalf("waiter %d got %+v", i, *p)
			}
			p.Tags[0] = "changed by a waiter"
		}
		if shared.Tags[0] != "a" {
			t.Fatal("a waiter changed the loader's value")
		}
	})
	// V holding interfaces cannot be deep-copied: copies are decoded.
	synctest.Test(t, func(t *testing.T) {
		c := strata.New[map[string]any](newMemory(t), nil)
		shared := map[string]any{"name": "ada"}
		got := waitersOf(t, c, shared)
		for i, m := range got {
			if m["name"] != "ada" {
				t.Fatalf("waiter %d got %v", i, m)
			}
			m["name"] = i
		}
		if shared["name"] != "ada" {
			t.Fatal("a waiter changed the loader's value")
		}
	})
}

// waitersOf runs ten concurrent GetOrSet calls that share one load returning v.
// It runs in a synctest bubble, so that every waiter has joined the flight (and is
// blocked on it) before the load returns.
func waitersOf[V any](t *testing.T, c *strata.Cache[V], v V) []V {
	t.Helper()
	release := make(chan struct{})
	out := make([]V, 10)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() {
			got, err := c.GetOrSet(context.Background(), "k", time.Minute, func(context.Context) (V, error) {
				<-release
				return v, nil
			})
			if err != nil {
				t.Errorf("waiter %d: %v", i, err)
			}
			out[i] = got
		})
	}
	synctest.Wait()
	close(release)
	wg.Wait()
	return out
}

// TestCloseCancelsLoadsInFlight: Close ends the loads it would otherwise leave
// running, and their waiters return ErrClosed instead of waiting for them.
func TestCloseCancelsLoadsInFlight(t *testing.T) {
	c := strata.New[string](newMemory(t), nil)
	started, ended := make(chan struct{}), make(chan error, 1)
	waited := make(chan error, 1)
	go func() {
		_, err := c.GetOrSet(context.Background(), "k", time.Minute, func(ctx context.Context) (string, error) {
			close(started)
			<-ctx.Done()
			ended <- context.Cause(ctx)
			return "", ctx.Err()
		})
		waited <- err
	}()
	<-started
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ended:
		if !errors.Is(err, strata.ErrClosed) {
			t.Fatalf("the loader's ctx ended with cause %v; want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not cancel the loader's ctx")
	}
	select {
	case err := <-waited:
		if !errors.Is(err, strata.ErrClosed) {
			t.Fatalf("the waiter got %v; want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter did not return after Close")
	}
}

// TestLoaderPanicIsOneLine: a panic's error message is one line naming the key
// and the value; the stack is there for whoever wants it.
func TestLoaderPanicIsOneLine(t *testing.T) {
	c := strata.New[string](newMemory(t), nil)
	boom := errors.New("boom\nsecond line")
	_, err := c.GetOrSet(context.Background(), "k", 0, func(context.Context) (string, error) { panic(boom) })
	var pe *strata.PanicError
	if !errors.As(err, &pe) || !errors.Is(err, strata.ErrLoaderPanicked) || !errors.Is(err, boom) {
		t.Fatalf("GetOrSet = %v; want a *PanicError wrapping ErrLoaderPanicked and the panic's error", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, `"k"`) || !strings.Contains(msg, "boom") {
		t.Fatalf("message %q: want one line naming the key and the panic", msg)
	}
	if !strings.Contains(string(pe.Stack), "TestLoaderPanicIsOneLine") {
		t.Fatalf("Stack does not show the loader: %s", pe.Stack)
	}
}
