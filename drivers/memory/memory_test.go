package memory_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/serializer"
)

var bg = context.Background()

// open returns a fresh adapter closed at the end of the test.
func open(t testing.TB, opts *memory.Options) *memory.Adapter {
	t.Helper()
	a, err := memory.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open(%+v): %v", opts, err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func mustSet(t testing.TB, a *memory.Adapter, key string, value []byte, ttl time.Duration) {
	t.Helper()
	if err := a.Set(bg, key, value, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func mustGet(t testing.TB, a *memory.Adapter, key string, want []byte) {
	t.Helper()
	got, err := a.Get(bg, key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %q, want %q", key, got, want)
	}
}

func mustMiss(t testing.TB, a *memory.Adapter, key string) {
	t.Helper()
	got, err := a.Get(bg, key)
	if !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("Get(%q) = %q, %v; want ErrNotFound", key, got, err)
	}
}

func TestNewDefaults(t *testing.T) {
	a := open(t, nil)
	o := a.Options()
	if o.MaxCost != memory.DefaultMaxCost || o.BufferItems != memory.DefaultBufferItems || o.Grace != 0 {
		t.Errorf("defaults = %+v", o)
	}
	if o.NumCounters != memory.DefaultMaxCost/100 {
		t.Errorf("NumCounters = %d, want MaxCost/100 = %d", o.NumCounters, memory.DefaultMaxCost/100)
	}
	small := open(t, &memory.Options{MaxCost: 4 << 10})
	if n := small.Options().NumCounters; n != 1024 {
		t.Errorf("NumCounters for a 4 KiB cache = %d, want the minimum 1024", n)
	}
	if st := a.Stats(); st.MaxCost != memory.DefaultMaxCost || st.Cost != 0 {
		t.Errorf("Stats of an empty cache = %+v", st)
	}
}

func TestNewInvalidOptions(t *testing.T) {
	for _, tc := range []struct {
		opts memory.Options
		want string
	}{
		{memory.Options{MaxCost: -1}, "MaxCost -1 is negative"},
		{memory.Options{MaxCost: 64}, "less than 1 KiB"},
		{memory.Options{Grace: -time.Second}, "Grace -1s is negative"},
		{memory.Options{NumCounters: -5}, "NumCounters -5 is negative"},
		{memory.Options{NumCounters: 1 << 40}, "NumCounters"},
		{memory.Options{BufferItems: -1}, "BufferItems -1 is negative"},
		{memory.Options{BufferItems: 1 << 20}, "BufferItems"},
	} {
		a, err := memory.Open(context.Background(), &tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%+v) = %v, %v; want an error containing %q", tc.opts, a, err, tc.want)
		}
		if a != nil {
			t.Errorf("Open(%+v) returned an adapter with its error", tc.opts)
		}
	}
}

// Each Get right after a Set of a fresh key must hit: ristretto buffers inserts, and
// the adapter must wait for its own.
func TestReadYourWritesFreshKeys(t *testing.T) {
	a := open(t, nil)
	for i := range 10_000 {
		k := fmt.Sprintf("fresh:%d", i)
		v := []byte(k + ":value")
		mustSet(t, a, k, v, time.Hour)
		mustGet(t, a, k, v)
	}
	if st := a.Stats(); st.Rejected != 0 {
		t.Errorf("Stats.Rejected = %d with room to spare", st.Rejected)
	}
}

// Overwrites, shrinking and growing, are visible at once, and so are writes
// immediately after a Remove.
func TestReadYourWritesOverwrite(t *testing.T) {
	a := open(t, nil)
	for i := range 2_000 {
		k := fmt.Sprintf("ow:%d", i%50)
		v := bytes.Repeat([]byte{byte(i)}, 1+(i*37)%900) // sizes go up and down
		mustSet(t, a, k, v, adapter.NoExpiration)
		mustGet(t, a, k, v)
		if i%7 == 0 {
			if _, err := a.Remove(bg, k); err != nil {
				t.Fatal(err)
			}
			mustMiss(t, a, k)
			mustSet(t, a, k, v, time.Hour)
			mustGet(t, a, k, v)
		}
	}
}

func TestCopiesInAndOut(t *testing.T) {
	a := open(t, nil)
	in := []byte("original")
	mustSet(t, a, "k", in, time.Hour)
	in[0] = 'X' // the caller's slice is not what is cached
	mustGet(t, a, "k", []byte("original"))

	out, _ := a.Get(bg, "k")
	out[0] = 'Y' // nor is what Get returned
	mustGet(t, a, "k", []byte("original"))

	out, _, _ = a.GetWithTTL(bg, "k")
	out[0] = 'Z'
	out, _ = a.UpdateTimeout(bg, "k", time.Hour)
	out[0] = 'W'
	many, _ := a.GetMany(bg, []string{"k"})
	many["k"][0] = 'V'
	mustGet(t, a, "k", []byte("original"))

	items := map[string][]byte{"m": []byte("batch")}
	if err := a.SetMany(bg, items, time.Hour); err != nil {
		t.Fatal(err)
	}
	items["m"][0] = 'Q'
	mustGet(t, a, "m", []byte("batch"))
}

func TestEmptyValueIsAValue(t *testing.T) {
	a := open(t, nil)
	mustSet(t, a, "empty", nil, time.Hour)
	got, err := a.Get(bg, "empty")
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("Get(empty) = %#v, %v; want a non-nil empty slice", got, err)
	}
	many, err := a.GetMany(bg, []string{"empty"})
	if v, ok := many["empty"]; err != nil || !ok || v == nil {
		t.Fatalf("GetMany(empty) = %#v, %v", many, err)
	}
}

func TestMissNamesKey(t *testing.T) {
	a := open(t, nil)
	_, err := a.Get(bg, "no-such-key")
	var ke *adapter.KeyError
	if !errors.As(err, &ke) || ke.Key != "no-such-key" || !strings.Contains(err.Error(), "no-such-key") {
		t.Fatalf("Get miss error = %v; want a KeyError naming the key", err)
	}
}

// TestKeysItCannotStore: the entry header holds keys of 1 to 65536 bytes. A
// strata.Cache never passes others, but called directly the adapter neither panics
// nor stores them: writes fail with its own error, reads miss.
func TestKeysItCannotStore(t *testing.T) {
	a := open(t, nil)
	long := strings.Repeat("k", adapter.MaxKeyLen+1)
	for _, key := range []string{"", long} {
		if err := a.Set(bg, key, nil, time.Hour); !errors.Is(err, adapter.ErrInvalidKey) || !strings.Contains(err.Error(), "strata/memory") {
			t.Errorf("Set(%d-byte key) = %v; want the driver's own ErrInvalidKey", len(key), err)
		}
		if err := a.SetMany(bg, map[string][]byte{"ok": nil, key: nil}, time.Hour); !errors.Is(err, adapter.ErrInvalidKey) {
			t.Errorf("SetMany(%d-byte key) = %v", len(key), err)
		}
		if _, err := a.Get(bg, key); !errors.Is(err, adapter.ErrNotFound) {
			t.Errorf("Get(%d-byte key) = %v; want a miss", len(key), err)
		}
		if _, _, err := a.GetWithTTL(bg, key); !errors.Is(err, adapter.ErrNotFound) {
			t.Errorf("GetWithTTL(%d-byte key) = %v; want a miss", len(key), err)
		}
		if _, err := a.UpdateTimeout(bg, key, time.Hour); !errors.Is(err, adapter.ErrNotFound) {
			t.Errorf("UpdateTimeout(%d-byte key) = %v; want a miss", len(key), err)
		}
		if all, err := a.Remove(bg, key); all || err != nil {
			t.Errorf("Remove(%d-byte key) = %v, %v; want false, nil", len(key), all, err)
		}
		if got, err := a.GetMany(bg, []string{"ok", key}); len(got) != 0 || err != nil {
			t.Errorf("GetMany(%d-byte key) = %v, %v; want no hits", len(key), got, err)
		}
	}
	mustMiss(t, a, "ok") // SetMany built every entry before storing anything
	// The longest key a Cache passes works, and a key of any bytes.
	mustSet(t, a, long[1:], []byte("v"), time.Hour)
	mustGet(t, a, long[1:], []byte("v"))
	mustSet(t, a, "\x00\xff weird\nkey", []byte("w"), time.Hour)
	mustGet(t, a, "\x00\xff weird\nkey", []byte("w"))

	// TTLs a Cache never passes: what they do is unspecified, but nothing panics
	// and the adapter keeps working.
	for _, ttl := range []time.Duration{adapter.DefaultTTL, -2, -time.Hour, math.MinInt64} {
		_ = a.Set(bg, "k", nil, ttl)
		_, _ = a.UpdateTimeout(bg, "k", ttl)
		_ = a.SetMany(bg, map[string][]byte{"k": nil}, ttl)
	}
	mustSet(t, a, "k", []byte("after"), time.Hour)
	mustGet(t, a, "k", []byte("after"))
}

// The timing tests below run in synctest bubbles: the adapter's clock (time.Since
// its epoch) reads the bubble's fake time, which moves only when every goroutine in
// the bubble is blocked, so an expiry lands exactly where the test puts it, however
// loaded the machine, and waiting for it costs nothing.

func TestTTLExpiry(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testTTLExpiry)
}

func testTTLExpiry(t *testing.T) {
	a := open(t, nil)
	const ttl = 60 * time.Millisecond
	mustSet(t, a, "short", []byte("v"), ttl)
	mustSet(t, a, "forever", []byte("f"), adapter.NoExpiration)
	time.Sleep(ttl - time.Millisecond)
	mustGet(t, a, "short", []byte("v"))
	if _, left, err := a.GetWithTTL(bg, "short"); err != nil || left != time.Millisecond {
		t.Errorf("GetWithTTL(short) 1ms before its expiry = %v, %v; want 1ms left", left, err)
	}
	time.Sleep(time.Millisecond)
	mustMiss(t, a, "short")
	if _, _, err := a.GetWithTTL(bg, "short"); !errors.Is(err, adapter.ErrNotFound) {
		t.Errorf("GetWithTTL after expiry = %v", err)
	}
	if m, _ := a.GetMany(bg, []string{"short", "forever"}); len(m) != 1 || string(m["forever"]) != "f" {
		t.Errorf("GetMany after expiry = %q", m)
	}
	if _, left, err := a.GetWithTTL(bg, "forever"); err != nil || left != adapter.NoExpiration {
		t.Errorf("GetWithTTL(forever) = %v, %v; want NoExpiration", left, err)
	}
}

// A ttl is kept to the millisecond, rounded up: a sub-millisecond ttl is 1ms, not
// "no expiry" and not "already expired".
func TestTTLMillisecondResolution(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testTTLMillisecondResolution)
}

func testTTLMillisecondResolution(t *testing.T) {
	a := open(t, nil)
	left := func(key string) time.Duration {
		t.Helper()
		_, left, err := a.GetWithTTL(bg, key)
		if err != nil {
			t.Fatalf("GetWithTTL(%q): %v", key, err)
		}
		return left
	}
	mustSet(t, a, "ns", []byte("v"), time.Nanosecond)
	if l := left("ns"); l != time.Millisecond {
		t.Errorf("1ns ttl: %v left, want 1ms", l)
	}
	mustSet(t, a, "1.5ms", []byte("v"), 1500*time.Microsecond)
	if l := left("1.5ms"); l != 2*time.Millisecond {
		t.Errorf("1.5ms ttl: %v left, want 2ms", l)
	}
	mustSet(t, a, "10s", []byte("v"), 10*time.Second)
	if l := left("10s"); l != 10*time.Second {
		t.Errorf("10s ttl: %v left, want 10s", l)
	}
	// Huge ttls saturate instead of overflowing into the past.
	mustSet(t, a, "huge", []byte("v"), math.MaxInt64)
	mustGet(t, a, "huge", []byte("v"))
	time.Sleep(time.Millisecond)
	mustMiss(t, a, "ns")
	mustGet(t, a, "1.5ms", []byte("v"))
	time.Sleep(time.Millisecond)
	mustMiss(t, a, "1.5ms")
	mustGet(t, a, "10s", []byte("v"))
	mustGet(t, a, "huge", []byte("v"))
}

func TestUpdateTimeout(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testUpdateTimeout)
}

func testUpdateTimeout(t *testing.T) {
	a := open(t, nil)
	const short = 60 * time.Millisecond

	if _, err := a.UpdateTimeout(bg, "never-set", time.Hour); !errors.Is(err, adapter.ErrNotFound) {
		t.Errorf("UpdateTimeout(never set) = %v", err)
	}

	mustSet(t, a, "extend", []byte("e"), short)
	mustSet(t, a, "shorten", []byte("s"), time.Hour)
	mustSet(t, a, "persist", []byte("p"), short)
	for key, ttl := range map[string]time.Duration{"extend": time.Hour, "shorten": short, "persist": adapter.NoExpiration} {
		v, err := a.UpdateTimeout(bg, key, ttl)
		if err != nil {
			t.Fatalf("UpdateTimeout(%q) = %v", key, err)
		}
		if string(v) != key[:1] {
			t.Errorf("UpdateTimeout(%q) returned %q", key, v)
		}
	}
	if _, left, err := a.GetWithTTL(bg, "persist"); err != nil || left != adapter.NoExpiration {
		t.Errorf("persisted key: %v left, %v", left, err)
	}
	time.Sleep(short)
	mustGet(t, a, "extend", []byte("e"))
	mustMiss(t, a, "shorten")
	mustGet(t, a, "persist", []byte("p"))
	if _, left, err := a.GetWithTTL(bg, "extend"); err != nil || left != time.Hour-short {
		t.Errorf("extended key: %v left, %v; want %v", left, err, time.Hour-short)
	}
	// Without grace, an expired key cannot be revived.
	if _, err := a.UpdateTimeout(bg, "shorten", time.Hour); !errors.Is(err, adapter.ErrNotFound) {
		t.Errorf("UpdateTimeout(expired, no grace) = %v", err)
	}
}

func TestGraceRevival(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testGraceRevival)
}

func testGraceRevival(t *testing.T) {
	const ttl, grace = 40 * time.Millisecond, 400 * time.Millisecond
	a := open(t, &memory.Options{Grace: grace})

	mustSet(t, a, "revive", []byte("r"), ttl)
	mustSet(t, a, "remove", []byte("x"), ttl)
	mustSet(t, a, "last-moment", []byte("m"), ttl)
	mustSet(t, a, "too-late", []byte("l"), ttl)
	time.Sleep(ttl)
	// Expired: a miss for every read, even though the entry is still held.
	mustMiss(t, a, "revive")
	if _, _, err := a.GetWithTTL(bg, "revive"); !errors.Is(err, adapter.ErrNotFound) {
		t.Errorf("GetWithTTL in grace = %v", err)
	}
	if m, _ := a.GetMany(bg, []string{"revive"}); len(m) != 0 {
		t.Errorf("GetMany in grace = %q", m)
	}
	// An expired key did not exist for Remove, and is gone for good afterwards.
	if existed, err := a.Remove(bg, "remove"); err != nil || existed {
		t.Errorf("Remove(expired, in grace) = %v, %v; want false", existed, err)
	}
	if _, err := a.UpdateTimeout(bg, "remove", time.Hour); !errors.Is(err, adapter.ErrNotFound) {
		t.Errorf("UpdateTimeout after Remove = %v", err)
	}
	// Within grace: revived with its value.
	v, err := a.UpdateTimeout(bg, "revive", time.Hour)
	if err != nil || string(v) != "r" {
		t.Fatalf("UpdateTimeout(in grace) = %q, %v", v, err)
	}
	mustGet(t, a, "revive", []byte("r"))

	// The last moment of grace still revives; its end does not.
	time.Sleep(grace - time.Millisecond)
	if v, err := a.UpdateTimeout(bg, "last-moment", time.Hour); err != nil || string(v) != "m" {
		t.Errorf("UpdateTimeout 1ms before grace ends = %q, %v", v, err)
	}
	time.Sleep(time.Millisecond)
	if _, err := a.UpdateTimeout(bg, "too-late", time.Hour); !errors.Is(err, adapter.ErrNotFound) {
		t.Errorf("UpdateTimeout(past grace) = %v", err)
	}
	mustGet(t, a, "revive", []byte("r"))
	mustGet(t, a, "last-moment", []byte("m"))
}

func TestRemove(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testRemove) // for the expired key at its end
}

func testRemove(t *testing.T) {
	a := open(t, nil)
	set := func(keys ...string) {
		for _, k := range keys {
			mustSet(t, a, k, []byte(k), time.Hour)
		}
	}
	check := func(want bool, keys ...string) {
		t.Helper()
		got, err := a.Remove(bg, keys...)
		if err != nil || got != want {
			t.Errorf("Remove(%q) = %v, %v; want %v", keys, got, err, want)
		}
		for _, k := range keys {
			mustMiss(t, a, k)
		}
	}
	set("a", "b")
	check(true, "a", "b")
	set("a")
	check(false, "a", "missing")
	check(false, "missing")
	set("a")
	check(true, "a", "a", "a") // duplicates count once
	set("a")
	check(false, "a", "missing", "a")
	check(true) // nothing to remove

	var many []string
	for i := range 40 { // past the small-list dedup path
		many = append(many, fmt.Sprint("m", i%20))
	}
	set(many[:20]...)
	check(true, many...)

	mustSet(t, a, "expiring", []byte("v"), 20*time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	check(false, "expiring")
}

func TestTooLarge(t *testing.T) {
	a := open(t, &memory.Options{MaxCost: 64 << 10})
	err := a.Set(bg, "big", make([]byte, 100<<10), time.Hour)
	if !errors.Is(err, memory.ErrTooLarge) {
		t.Fatalf("Set(100 KiB into 64 KiB) = %v; want ErrTooLarge", err)
	}
	for _, want := range []string{`"big"`, "65536", "max_cost"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	// Under the bound fits; a value that with its key and overhead comes to exactly
	// MaxCost does not, once its header and the allocator's rounding are counted.
	limit := int(64<<10 - memory.EntryOverhead)
	mustSet(t, a, "k", make([]byte, limit-len("k")-16<<10), time.Hour)
	mustGet(t, a, "k", make([]byte, limit-len("k")-16<<10))
	for _, n := range []int{limit - len("k"), limit - len("k") - 2, limit} {
		if err := a.Set(bg, "k", make([]byte, n), time.Hour); !errors.Is(err, memory.ErrTooLarge) {
			t.Errorf("Set(%d bytes) = %v; want ErrTooLarge", n, err)
		}
	}
	err = a.SetMany(bg, map[string][]byte{"small": []byte("s"), "big": make([]byte, 1<<20)}, time.Hour)
	if !errors.Is(err, memory.ErrTooLarge) {
		t.Errorf("SetMany with a value too large = %v", err)
	}
	mustMiss(t, a, "small")
}

// Filling the cache far beyond MaxCost evicts: the cost charged never exceeds the
// bound, and neither do growing overwrites of entries already held.
func TestEvictionBoundedByMaxCost(t *testing.T) {
	const maxCost = 1 << 20
	a := open(t, &memory.Options{MaxCost: maxCost})
	check := func(when string) {
		t.Helper()
		if st := a.Stats(); st.Cost > maxCost || st.Cost < 0 {
			t.Fatalf("%s: Stats.Cost = %d, MaxCost %d", when, st.Cost, maxCost)
		}
	}
	value := make([]byte, 1000)
	const n = 20_000 // about 24 MiB of entries
	for i := range n {
		mustSet(t, a, fmt.Sprint("fill:", i), value, time.Hour)
		if i%1000 == 0 {
			check(fmt.Sprintf("after %d sets", i))
		}
	}
	check("after filling")
	m, _ := a.GetMany(bg, keys("fill:", n))
	if len(m) == 0 || len(m) > maxCost/1000 {
		t.Errorf("%d of %d entries held in a 1 MiB cache", len(m), n)
	}
	if st := a.Stats(); st.Cost < maxCost/2 {
		t.Errorf("Stats.Cost = %d: the cache is not being used", st.Cost)
	}

	// Grow every held entry: the writes go through admission, which evicts; each
	// Get after a Set sees the new value or a miss, never the old one.
	big := bytes.Repeat([]byte("B"), 4000)
	for k := range m {
		mustSet(t, a, k, big, time.Hour)
		if got, err := a.Get(bg, k); err == nil && !bytes.Equal(got, big) {
			t.Fatalf("Get(%q) after a growing overwrite returned the old value", k)
		}
		check("while growing entries")
	}
	t.Logf("stats: %+v", a.Stats())
}

func keys(prefix string, n int) []string {
	ks := make([]string, n)
	for i := range ks {
		ks[i] = fmt.Sprint(prefix, i)
	}
	return ks
}

// When a full cache declines a write, the write is counted, and the key reads as a
// miss rather than as an older value.
func TestRejectedWritesAreCounted(t *testing.T) {
	a := open(t, &memory.Options{MaxCost: 64 << 10})
	hot := keys("hot:", 100)
	for _, k := range hot {
		mustSet(t, a, k, make([]byte, 300), adapter.NoExpiration)
	}
	// Make the held entries frequently used, so that TinyLFU prefers them.
	for range 50 {
		for _, k := range hot {
			_, _ = a.Get(bg, k)
		}
	}
	for i, k := range keys("cold:", 300) {
		v := []byte(fmt.Sprint(i))
		mustSet(t, a, k, append(v, make([]byte, 300)...), adapter.NoExpiration)
		if got, err := a.Get(bg, k); err == nil && !bytes.HasPrefix(got, v) {
			t.Fatalf("Get(%q) = %q", k, got)
		}
	}
	if st := a.Stats(); st.Rejected == 0 {
		t.Logf("no write was declined (ristretto's frequency sketch is lossy): %+v", st)
	} else {
		t.Logf("stats: %+v", st)
	}
}

func TestClear(t *testing.T) {
	a := open(t, nil)
	for _, k := range keys("c:", 100) {
		mustSet(t, a, k, []byte(k), time.Hour)
	}
	if err := a.Clear(bg, ""); err != nil {
		t.Fatal(err)
	}
	if m, _ := a.GetMany(bg, keys("c:", 100)); len(m) != 0 {
		t.Errorf("%d keys left after Clear", len(m))
	}
	if st := a.Stats(); st.Cost != 0 {
		t.Errorf("Stats.Cost after Clear = %d", st.Cost)
	}
	mustSet(t, a, "after", []byte("v"), time.Hour)
	mustGet(t, a, "after", []byte("v"))
}

func TestBatches(t *testing.T) {
	a := open(t, nil)
	items := map[string][]byte{"b1": []byte("1"), "b2": []byte("2"), "b3": {}}
	if err := a.SetMany(bg, items, time.Hour); err != nil {
		t.Fatal(err)
	}
	got, err := a.GetMany(bg, []string{"b1", "missing", "b2", "b3", "b1"})
	if err != nil || len(got) != 3 || string(got["b1"]) != "1" || string(got["b2"]) != "2" || got["b3"] == nil {
		t.Fatalf("GetMany = %q, %v", got, err)
	}
	// A large batch of fresh keys (one Wait for all) mixed with overwrites: every
	// value is readable when SetMany returns.
	big := map[string][]byte{"b1": []byte("one"), "b2": bytes.Repeat([]byte("2"), 5000)}
	for _, k := range keys("batch:", 1000) {
		big[k] = []byte(k)
	}
	if err := a.SetMany(bg, big, time.Hour); err != nil {
		t.Fatal(err)
	}
	ks := append(keys("batch:", 1000), "b1", "b2")
	got, err = a.GetMany(bg, ks)
	if err != nil || len(got) != len(big) {
		t.Fatalf("GetMany after a 1002-item SetMany: %d values, %v", len(got), err)
	}
	for k, v := range big {
		if !bytes.Equal(got[k], v) {
			t.Fatalf("GetMany[%q] = %q, want %q", k, got[k], v)
		}
	}
	if got, err := a.GetMany(bg, nil); err != nil || len(got) != 0 {
		t.Errorf("GetMany(nil) = %v, %v", got, err)
	}
	if err := a.SetMany(bg, nil, time.Hour); err != nil {
		t.Errorf("SetMany(nil) = %v", err)
	}
}

func TestCloseSemantics(t *testing.T) {
	a, err := memory.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, a, "k", []byte("v"), time.Hour)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	calls := map[string]error{}
	_, calls["Get"] = a.Get(bg, "k")
	_, _, calls["GetWithTTL"] = a.GetWithTTL(bg, "k")
	calls["Set"] = a.Set(bg, "k", nil, time.Hour)
	_, calls["Remove"] = a.Remove(bg, "k")
	_, calls["UpdateTimeout"] = a.UpdateTimeout(bg, "k", time.Hour)
	_, calls["GetMany"] = a.GetMany(bg, []string{"k"})
	calls["SetMany"] = a.SetMany(bg, map[string][]byte{"k": nil}, time.Hour)
	calls["Ping"] = a.Ping(bg)
	calls["Clear"] = a.Clear(bg, "")
	_, calls["Get (invalid key)"] = a.Get(bg, "")
	for name, err := range calls {
		if !errors.Is(err, adapter.ErrClosed) {
			t.Errorf("%s after Close = %v; want ErrClosed", name, err)
		}
	}
	if st := a.Stats(); st.Cost != 0 {
		t.Errorf("Stats.Cost after Close = %d", st.Cost)
	}
}

func TestPing(t *testing.T) {
	a := open(t, nil)
	if err := a.Ping(bg); err != nil {
		t.Fatal(err)
	}
}

func TestCancelledContext(t *testing.T) {
	a := open(t, nil)
	mustSet(t, a, "k", []byte("v"), time.Hour)
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	expired, cancel2 := context.WithDeadline(bg, time.Now().Add(-time.Second))
	defer cancel2()
	for ctx, want := range map[context.Context]error{cancelled: context.Canceled, expired: context.DeadlineExceeded} {
		calls := map[string]error{}
		_, calls["Get"] = a.Get(ctx, "k")
		_, _, calls["GetWithTTL"] = a.GetWithTTL(ctx, "k")
		calls["Set"] = a.Set(ctx, "k", []byte("new"), time.Hour)
		_, calls["Remove"] = a.Remove(ctx, "k")
		_, calls["UpdateTimeout"] = a.UpdateTimeout(ctx, "k", time.Hour)
		_, calls["GetMany"] = a.GetMany(ctx, []string{"k"})
		calls["SetMany"] = a.SetMany(ctx, map[string][]byte{"k": nil}, time.Hour)
		calls["Ping"] = a.Ping(ctx)
		calls["Clear"] = a.Clear(ctx, "")
		for name, err := range calls {
			if !errors.Is(err, want) {
				t.Errorf("%s with a done ctx = %v; want %v", name, err, want)
			}
		}
	}
	mustGet(t, a, "k", []byte("v")) // nothing was changed
}

// Mixed use from many goroutines, with every goroutine checking that it reads its
// own writes, and Close arriving while calls are in flight. Run with -race.
func TestConcurrentUse(t *testing.T) {
	a, err := memory.Open(context.Background(), &memory.Options{MaxCost: 4 << 20, Grace: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	const workers = 8
	iters := 3000
	if testing.Short() {
		iters = 500
	}
	var clears atomic.Int64 // a Clear may legitimately remove a goroutine's own key; odd while one runs
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			own := fmt.Sprint("own:", w)
			for i := range iters {
				shared := fmt.Sprint("shared:", i%64)
				v := []byte(fmt.Sprint(w, ":", i))
				var err error
				switch i % 8 {
				case 0, 1:
					err = a.Set(bg, shared, v, time.Duration(1+i%50)*time.Millisecond)
				case 2:
					_, err = a.Get(bg, shared)
				case 3:
					_, err = a.Remove(bg, shared, fmt.Sprint("shared:", (i+1)%64))
				case 4:
					_, err = a.UpdateTimeout(bg, shared, time.Hour)
				case 5:
					_, err = a.GetMany(bg, []string{shared, own})
				case 6:
					err = a.SetMany(bg, map[string][]byte{shared: v, fmt.Sprint("batch:", w): v}, time.Hour)
				case 7:
					_, _, err = a.GetWithTTL(bg, shared)
					if i%800 == 7 {
						clears.Add(1) // odd while a Clear is running
						err = a.Clear(bg, "")
						clears.Add(1)
					}
				}
				if err != nil && !errors.Is(err, adapter.ErrNotFound) {
					errs <- err
					return
				}
				// Read-your-writes on a key only this goroutine writes.
				before := clears.Load()
				if err := a.Set(bg, own, v, time.Hour); err != nil {
					errs <- err
					return
				}
				got, err := a.Get(bg, own)
				cleared := before%2 == 1 || clears.Load() != before
				if (err == nil && !bytes.Equal(got, v)) || (err != nil && !cleared) {
					errs <- fmt.Errorf("worker %d: Get(own) = %q, %v after Set(%q)", w, got, err, v)
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

	// Close while calls are in flight: they finish or return ErrClosed, never panic.
	// Close comes once every worker has made 100 calls, so that all are calling.
	var running sync.WaitGroup
	running.Add(workers)
	for w := range workers {
		wg.Go(func() {
			ready := sync.OnceFunc(running.Done)
			defer ready()
			for i := 0; ; i++ {
				if i == 100 {
					ready()
				}
				k := fmt.Sprint("late:", w, ":", i%100)
				var err error
				switch i % 3 {
				case 0:
					err = a.Set(bg, k, []byte("v"), time.Hour)
				case 1:
					_, err = a.Get(bg, k)
				case 2:
					_, err = a.Remove(bg, k)
				}
				if errors.Is(err, adapter.ErrClosed) {
					return
				}
				if err != nil && !errors.Is(err, adapter.ErrNotFound) {
					t.Error(err)
					return
				}
			}
		})
	}
	running.Wait()
	if err := a.Close(); err != nil {
		t.Error(err)
	}
	wg.Wait()
}

// An adapter that is dropped without Close does not leak ristretto's goroutines.
func TestUnclosedAdapterIsReclaimed(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 5 {
		a, err := memory.Open(context.Background(), &memory.Options{MaxCost: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Set(bg, "k", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after dropping 5 adapters, %d before", n, before)
	}
}

// TestEntryOverhead measures what an entry costs in memory beyond its key and value,
// which EntryOverhead should approximate.
func TestEntryOverhead(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 100,000 entries")
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	const n = 100_000
	a := open(t, &memory.Options{MaxCost: 1 << 40, NumCounters: 1 << 10})
	before := heap()
	value := make([]byte, 13) // with a 9-byte key and the 10-byte header: 32 bytes, a size class
	for i := range n {
		mustSet(t, a, fmt.Sprintf("k%08d", i), value, time.Hour)
	}
	after := heap()
	per := float64(after-before)/n - 32
	t.Logf("measured %.0f bytes of overhead per entry (EntryOverhead = %d)", per, memory.EntryOverhead)
	if per > 1.5*float64(memory.EntryOverhead) || per < 0.5*float64(memory.EntryOverhead) {
		t.Errorf("measured overhead %.0f is far from EntryOverhead %d: re-measure", per, memory.EntryOverhead)
	}
	if st := a.Stats(); st.Cost != n*(32+memory.EntryOverhead) {
		t.Errorf("Stats.Cost = %d, want %d", st.Cost, n*(32+memory.EntryOverhead))
	}
}

// A hit through strata.Cache with the raw codec allocates only the copy it returns.
func TestGetAllocatesOnlyTheCopy(t *testing.T) {
	a := open(t, nil)
	c := strata.New(a, &strata.Options[[]byte]{Codec: serializer.Raw[[]byte]()})
	mustSet(t, a, "k", make([]byte, 100), time.Hour)
	mustSet(t, a, "forever", make([]byte, 100), adapter.NoExpiration)
	load := func(context.Context) ([]byte, error) { return nil, errors.New("loader called on a hit") }
	graceful := open(t, &memory.Options{Grace: time.Minute})
	mustSet(t, graceful, "k", make([]byte, 100), time.Hour)
	for name, get := range map[string]func(){
		"Adapter.Get":              func() { _, _ = a.Get(bg, "k") },
		"Adapter.Get, no TTL":      func() { _, _ = a.Get(bg, "forever") },
		"Adapter.Get, with grace":  func() { _, _ = graceful.Get(bg, "k") },
		"Adapter.GetWithTTL":       func() { _, _, _ = a.GetWithTTL(bg, "k") },
		"Cache.Get":                func() { _, _ = c.Get(bg, "k") },
		"Cache.GetOrSet (hit)":     func() { _, _ = c.GetOrSet(bg, "k", time.Hour, load) },
		"Cache.GetOrDefault (hit)": func() { _, _ = c.GetOrDefault(bg, "k", nil) },
	} {
		// ristretto allocates a new access buffer once every 64 Gets, which the
		// integer average of AllocsPerRun rounds away.
		if n := testing.AllocsPerRun(1000, get); n > 1 {
			t.Errorf("%s: %v allocations per hit, want 1 (the copy)", name, n)
		}
	}
}
