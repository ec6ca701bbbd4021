package memory

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
)

// Keys whose hashes collide share one ristretto slot: writing one evicts the
// other, but no call ever returns, extends or removes the other key's value.
func TestCollidingKeysNeverSeeEachOther(t *testing.T) {
	ctx := context.Background()
	testHashKey = func(string) uint64 { return 42 }
	a, err := Open(context.Background(), nil)
	testHashKey = nil
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Set(ctx, "a", []byte("A"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := a.Set(ctx, "b", []byte("B"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, err := a.Get(ctx, "b"); err != nil || string(v) != "B" {
		t.Fatalf(`Get("b") = %q, %v`, v, err)
	}
	miss := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, adapter.ErrNotFound) {
			t.Errorf("%s = %v, want ErrNotFound (the slot holds another key)", what, err)
		}
	}
	_, err = a.Get(ctx, "a")
	miss(`Get("a")`, err)
	_, _, err = a.GetWithTTL(ctx, "a")
	miss(`GetWithTTL("a")`, err)
	_, err = a.UpdateTimeout(ctx, "a", time.Minute)
	miss(`UpdateTimeout("a")`, err)
	err = a.View(ctx, "a", func([]byte) error { return nil })
	miss(`View("a")`, err)
	_, err = a.GetMemo(ctx, "a", "tag", func(b []byte) (any, error) { return string(b), nil })
	miss(`GetMemo("a")`, err)
	if m, err := a.GetMany(ctx, []string{"a", "b"}); err != nil || len(m) != 1 || string(m["b"]) != "B" {
		t.Errorf(`GetMany = %q, %v; want only b`, m, err)
	}
	if ok, err := a.Remove(ctx, "a"); ok || err != nil {
		t.Errorf(`Remove("a") = %v, %v; want false`, ok, err)
	}
	if v, _, err := a.GetWithTTL(ctx, "b"); err != nil || string(v) != "B" {
		t.Fatalf(`after Remove("a"): GetWithTTL("b") = %q, %v`, v, err)
	}
}
