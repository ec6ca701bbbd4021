package memory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stratacache/strata/adapter"
)

var ctx = context.Background()

// fullAdapter returns an adapter of maxCost filled with keys "fill:N" of n-byte
// values, each read once, so that ristretto holds no room and later new keys go to
// the admission window.
func fullAdapter(t *testing.T, opts Options, n int) *Adapter {
	t.Helper()
	a, err := Open(context.Background(), &opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	for i := 0; a.win.n.Load() == 0; i++ {
		if i > 10_000 {
			t.Fatalf("no write went to the admission window; %+v", a.Stats())
		}
		k := fmt.Sprint("fill:", i)
		if err := a.Set(ctx, k, make([]byte, n), time.Hour); err != nil {
			t.Fatal(err)
		}
		_, _ = a.Get(ctx, k)
	}
	return a
}

// windowed reports whether key is held by the admission window.
func (a *Adapter) windowed(key string) bool {
	_, ok := a.win.get(key)
	return ok
}

// Every operation sees a key held by the admission window as it would one held by
// ristretto. It runs in a synctest bubble: its sleep is fake time, so the expiry it
// waits for is exact and costs nothing.
func TestWindowedKeyBehavesLikeAnyOther(t *testing.T) {
	synctest.Test(t, testWindowedKeyBehavesLikeAnyOther)
}

func testWindowedKeyBehavesLikeAnyOther(t *testing.T) {
	a := fullAdapter(t, Options{MaxCost: 64 << 10, Grace: time.Minute}, 500)
	v := append([]byte("windowed value"), make([]byte, 500)...) // as large as the fill
	if err := a.Set(ctx, "w", v, time.Hour); err != nil {
		t.Fatal(err)
	}
	if !a.windowed("w") {
		t.Fatal("a new key in a full cache is not in the admission window")
	}
	if got, err := a.Get(ctx, "w"); err != nil || !bytes.Equal(got, v) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := a.View(ctx, "w", func(b []byte) error {
		if !bytes.Equal(b, v) {
			return fmt.Errorf("View saw %q", b)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, ttl, err := a.GetWithTTL(ctx, "w"); err != nil || !bytes.Equal(got, v) || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Fatalf("GetWithTTL = %q, %v, %v", got, ttl, err)
	}
	if m, err := a.GetMany(ctx, []string{"w", "absent"}); err != nil || len(m) != 1 || !bytes.Equal(m["w"], v) {
		t.Fatalf("GetMany = %q, %v", m, err)
	}
	decoded, err := a.GetMemo(ctx, "w", "tag", func(b []byte) (any, error) { return string(b), nil })
	if err != nil || decoded != string(v) {
		t.Fatalf("GetMemo = %v, %v", decoded, err)
	}
	if got, err := a.UpdateTimeout(ctx, "w", 2*time.Hour); err != nil || !bytes.Equal(got, v) {
		t.Fatalf("UpdateTimeout = %q, %v", got, err)
	}
	if _, ttl, err := a.GetWithTTL(ctx, "w"); err != nil || ttl <= 119*time.Minute {
		t.Fatalf("TTL after UpdateTimeout = %v, %v", ttl, err)
	}
	// An overwrite replaces the windowed value; no read sees the old one again.
	second := append([]byte("second"), make([]byte, 500)...)
	if err := a.Set(ctx, "w", second, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Get(ctx, "w"); err != nil || !bytes.Equal(got, second) {
		t.Fatalf("Get after overwrite = %.6q, %v", got, err)
	}
	if all, err := a.Remove(ctx, "w"); err != nil || !all {
		t.Fatalf("Remove = %v, %v", all, err)
	}
	if _, err := a.Get(ctx, "w"); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("Get after Remove = %v", err)
	}
	if a.windowed("w") {
		t.Fatal("a removed key is still in the admission window")
	}

	// Expired, a windowed key reads as missing, and is revived within Grace.
	if err := a.Set(ctx, "x", v, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if _, err := a.Get(ctx, "x"); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("Get of an expired windowed key = %v", err)
	}
	if got, err := a.UpdateTimeout(ctx, "x", time.Hour); err != nil || !bytes.Equal(got, v) {
		t.Fatalf("UpdateTimeout within Grace = %q, %v", got, err)
	}

	if err := a.Clear(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if st := a.Stats(); st.Cost != 0 || a.win.n.Load() != 0 {
		t.Fatalf("after Clear: %+v, %d windowed", st, a.win.n.Load())
	}
}

// The sweeper removes expired entries from the admission window too, within two
// sweeps of their expiry (fake time, in a synctest bubble).
func TestWindowedEntriesExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := fullAdapter(t, Options{MaxCost: 64 << 10}, 500)
		v := make([]byte, 500)
		const ttl = 50 * time.Millisecond
		if err := a.SetMany(ctx, map[string][]byte{"e1": v, "e2": v}, ttl); err != nil {
			t.Fatal(err)
		}
		if !a.windowed("e1") || !a.windowed("e2") {
			t.Fatal("SetMany into a full cache did not use the admission window")
		}
		time.Sleep(ttl + 2*sweepEvery)
		synctest.Wait() // the sweep that just came due has run
		if a.windowed("e1") || a.windowed("e2") {
			t.Fatalf("expired entries are still in the admission window %v after their expiry", 2*sweepEvery)
		}
	})
}

// An entry larger than ristretto's share of MaxCost is still stored, within MaxCost,
// and the window keeps working afterwards. (In a full cache, such an entry goes
// through ristretto's admission like any entry too large for the window.)
func TestEntryLargerThanRistrettosShare(t *testing.T) {
	const maxCost = 64 << 10
	big := make([]byte, 48<<10-100) // costs a little more than three quarters of MaxCost
	full := fullAdapter(t, Options{MaxCost: maxCost}, 500)
	if err := full.Set(ctx, "big", big, time.Hour); err != nil {
		t.Fatal(err)
	}
	if st := full.Stats(); st.Cost > maxCost {
		t.Fatalf("Stats.Cost %d > MaxCost %d after a large entry", st.Cost, maxCost)
	}

	a, err := Open(context.Background(), &Options{MaxCost: maxCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	if err := a.Set(ctx, "big", big, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Get(ctx, "big"); err != nil || len(got) != len(big) {
		t.Fatalf("Get(big) = %d bytes, %v; %+v", len(got), err, a.Stats())
	}
	for i := range 200 {
		k := fmt.Sprint("after:", i)
		if err := a.Set(ctx, k, make([]byte, 500), time.Hour); err != nil {
			t.Fatal(err)
		}
		if st := a.Stats(); st.Cost > maxCost {
			t.Fatalf("Stats.Cost %d > MaxCost %d after %d writes", st.Cost, maxCost, i+1)
		}
	}
	if _, err := a.Get(ctx, "after:199"); err != nil {
		t.Fatalf("the latest write after a large entry: %v; %+v", err, a.Stats())
	}
}

// Concurrent writers and readers of a full cache: the bound holds, and no read
// returns a value written under another key or an older value than one already
// read back by the writer.
func TestWindowConcurrentUse(t *testing.T) {
	const maxCost = 256 << 10
	a := fullAdapter(t, Options{MaxCost: maxCost}, 700)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Go(func() {
			for i := range 400 {
				k := fmt.Sprintf("g%d:%d", g, i%40)
				v := fmt.Appendf(nil, "%s=%d", k, i)
				v = append(v, make([]byte, 600)...)
				if err := a.Set(ctx, k, v, time.Hour); err != nil {
					errs <- err
					return
				}
				if got, err := a.Get(ctx, k); err == nil && !bytes.HasPrefix(got, v[:bytes.IndexByte(v, 0)]) {
					errs <- fmt.Errorf("Get(%q) after writing %q returned %q", k, v[:bytes.IndexByte(v, 0)], got[:min(len(got), 24)])
					return
				}
				other := fmt.Sprintf("g%d:%d", (g+1)%8, i%40)
				if got, err := a.Get(ctx, other); err == nil && !bytes.HasPrefix(got, []byte(other+"=")) {
					errs <- fmt.Errorf("Get(%q) returned %q", other, got[:min(len(got), 24)])
					return
				}
				if st := a.Stats(); st.Cost > maxCost {
					errs <- fmt.Errorf("Stats.Cost %d > MaxCost %d", st.Cost, maxCost)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%+v, %d windowed", a.Stats(), a.win.n.Load())
}
