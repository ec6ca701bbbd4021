package memory_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/memory"
)

type memoRecord struct {
	Name string
	Tags []string
}

// A typed hit keeps the decoded value beside the bytes: charged against MaxCost
// once, reused by later hits, dropped by the next write; and never kept when the
// cache has no room for it.
func TestMemoIsChargedReusedAndDropped(t *testing.T) {
	// In a synctest bubble, synctest.Wait lets ristretto's goroutine apply what it
	// applies asynchronously.
	synctest.Test(t, testMemoIsChargedReusedAndDropped)
}

func testMemoIsChargedReusedAndDropped(t *testing.T) {
	a := open(t, nil)
	c := strata.New[memoRecord](a, nil)
	want := memoRecord{Name: "n", Tags: []string{"a", "b"}}
	if err := c.Set(bg, "k", want, time.Hour); err != nil {
		t.Fatal(err)
	}
	bare := a.Stats().Cost
	got, err := c.Get(bg, "k")
	if err != nil || got.Name != want.Name || len(got.Tags) != 2 {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	kept := a.Stats().Cost
	if kept <= bare {
		t.Fatalf("Stats.Cost %d after a typed hit, %d before: the decoded value is not charged", kept, bare)
	}
	calls := 0
	decode := func(b []byte) (any, error) { calls++; return "decoded", nil }
	if _, err := a.GetMemo(bg, "k", "other tag", decode); err != nil || calls != 1 {
		t.Fatalf("GetMemo under another tag: %v, %d decodes", err, calls)
	}
	for range 3 {
		if _, err := c.Get(bg, "k"); err != nil {
			t.Fatal(err)
		}
	}
	if c := a.Stats().Cost; c != kept {
		t.Errorf("Stats.Cost %d after more hits, want %d (one kept value)", c, kept)
	}
	if err := c.Set(bg, "k", want, time.Hour); err != nil {
		t.Fatal(err)
	}
	// ristretto applies the cost of a shrinking update asynchronously.
	synctest.Wait()
	if c := a.Stats().Cost; c != bare {
		t.Fatalf("Stats.Cost %d after a write, want %d: the kept value outlived its bytes", c, bare)
	}

	// A cache with no room for the decoded value still answers, without keeping it.
	full := open(t, &memory.Options{MaxCost: memory.MinMaxCost})
	fc := strata.New[memoRecord](full, nil)
	big := memoRecord{Name: string(make([]byte, 600))}
	if err := fc.Set(bg, "k", big, time.Hour); err != nil {
		t.Fatal(err)
	}
	before := full.Stats().Cost
	if got, err := fc.Get(bg, "k"); err != nil || len(got.Name) != 600 {
		t.Fatalf("Get in a full cache = %d bytes, %v", len(got.Name), err)
	}
	if c := full.Stats().Cost; c != before || c > memory.MinMaxCost {
		t.Errorf("Stats.Cost %d (was %d, MaxCost %d): a decoded value was kept without room", c, before, memory.MinMaxCost)
	}
}
