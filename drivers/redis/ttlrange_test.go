package redis

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// hugeTTLs are TTLs near the top of time.Duration, where converting to
// milliseconds (and adding grace) used to wrap negative.
var hugeTTLs = []time.Duration{
	math.MaxInt64,
	math.MaxInt64 - time.Millisecond,
	math.MaxInt64 - 1,
	math.MaxInt64 / 2,
	290 * 365 * 24 * time.Hour, // time.Duration stops at about 292 years
	100 * 365 * 24 * time.Hour,
}

// TestHugeTTLs: a TTL near math.MaxInt64 (a common way to say "forever") keeps
// the value readable and the key in Redis, on every path: Set, SetMany and
// UpdateTimeout, with and without grace, standalone and Cluster, auto-pipelined
// or not. GetWithTTL then reports no expiry or a huge positive TTL, never a
// negative one.
func TestHugeTTLs(t *testing.T) {
	tops := []struct {
		name string
		url  func(testing.TB) string
	}{
		{"standalone", serverURL},
		{"cluster", func(t testing.TB) string { return sharedCluster(t).URL() }},
	}
	for _, top := range tops {
		for _, grace := range []time.Duration{0, 2 * time.Second, math.MaxInt64} {
			for _, pipe := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/grace=%v/autopipeline=%v", top.name, grace, pipe), func(t *testing.T) {
					rdb := client(t, top.url(t))
					a := newTestAdapter(t, rdb, Options{Grace: grace, AutoPipeline: pipe})
					if a.autoPipe != nil {
						a.autoPipe.always = true // through the batches, not only when calls overlap
					}
					for _, ttl := range hugeTTLs {
						checkHugeTTL(t, a, rdb, ttl)
					}
				})
			}
		}
	}
}

// checkHugeTTL runs every write path of a with ttl and checks what it left.
func checkHugeTTL(t *testing.T, a *Adapter, rdb goredis.UniversalClient, ttl time.Duration) {
	t.Helper()
	ctx := ctxT(t)
	k := fmt.Sprintf("k-%d", int64(ttl))
	if err := a.Set(ctx, k, []byte("v"), ttl); err != nil {
		t.Errorf("Set(ttl %d): %v", ttl, err)
	}
	expectForever(ctx, t, a, rdb, k, "v", fmt.Sprintf("after Set(ttl %d)", ttl))

	m := fmt.Sprintf("m-%d", int64(ttl))
	if err := a.SetMany(ctx, map[string][]byte{m: []byte("w"), m + "b": []byte("x")}, ttl); err != nil {
		t.Errorf("SetMany(ttl %d): %v", ttl, err)
	}
	expectForever(ctx, t, a, rdb, m, "w", fmt.Sprintf("after SetMany(ttl %d)", ttl))
	expectForever(ctx, t, a, rdb, m+"b", "x", fmt.Sprintf("after SetMany(ttl %d)", ttl))

	u := fmt.Sprintf("u-%d", int64(ttl))
	if err := a.Set(ctx, u, []byte("y"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, err := a.UpdateTimeout(ctx, u, ttl); err != nil || string(v) != "y" {
		t.Errorf("UpdateTimeout(ttl %d) = %q, %v; want the value", ttl, v, err)
	}
	expectForever(ctx, t, a, rdb, u, "y", fmt.Sprintf("after UpdateTimeout(ttl %d)", ttl))
}

// expectForever checks that key holds want, that Redis keeps the key (no TTL, or
// more than a year) and that GetWithTTL reports no expiry or more than a year.
func expectForever(ctx context.Context, t *testing.T, a *Adapter, rdb goredis.UniversalClient, key, want, what string) {
	t.Helper()
	const year = 365 * 24 * time.Hour
	if v, err := a.Get(ctx, key); err != nil || string(v) != want {
		t.Errorf("%s: Get = %q, %v; want %q", what, v, err, want)
	}
	if pttl, err := rdb.Do(ctx, "pttl", a.Prefix()+key).Int64(); err != nil || (pttl != -1 && pttl < year.Milliseconds()) {
		t.Errorf("%s: PTTL in Redis = %d ms, %v; want -1 (none) or more than a year", what, pttl, err)
	}
	v, left, err := a.GetWithTTL(ctx, key)
	if err != nil || string(v) != want || (left != adapter.NoExpiration && left < year) {
		t.Errorf("%s: GetWithTTL = %q, %v, %v; want %q with NoExpiration or more than a year", what, v, left, err, want)
	}
	if got, err := a.GetMany(ctx, []string{key}); err != nil || string(got[key]) != want {
		t.Errorf("%s: GetMany = %q, %v; want %q", what, got, err, want)
	}
}

// TestRedisTTLRange pins down the range maxRedisTTL relies on, on the real
// server: Redis accepts PX, PEXPIRE and GETEX PX up to math.MaxInt64 minus its
// clock in Unix ms (so maxRedisTTL, and every time.Duration plus grace) and
// refuses math.MaxInt64 itself.
func TestRedisTTLRange(t *testing.T) {
	ctx := ctxT(t)
	rdb := client(t, serverURL(t))
	k := redistest.RandomPrefix() + "range"
	t.Cleanup(func() { rdb.Del(context.Background(), k) })
	longest := ms(math.MaxInt64) + ms(math.MaxInt64) // the longest ttl plus the longest grace
	if longest > maxRedisTTL {
		t.Fatalf("a Duration plus grace is %d ms, beyond maxRedisTTL %d", longest, int64(maxRedisTTL))
	}
	for _, px := range []int64{maxRedisTTL, longest} {
		if err := rdb.Do(ctx, "set", k, "v", "px", px).Err(); err != nil {
			t.Errorf("SET PX %d: %v", px, err)
		}
		if err := rdb.Do(ctx, "pexpire", k, px).Err(); err != nil {
			t.Errorf("PEXPIRE %d: %v", px, err)
		}
		if err := rdb.Do(ctx, "getex", k, "px", px).Err(); err != nil {
			t.Errorf("GETEX PX %d: %v", px, err)
		}
	}
	if err := rdb.Do(ctx, "set", k, "v", "px", int64(math.MaxInt64)).Err(); err == nil ||
		!strings.Contains(err.Error(), "invalid expire time") {
		t.Errorf("SET PX math.MaxInt64: %v; want Redis' invalid expire time (now+ttl overflows)", err)
	}
}

// TestExpiryForSaturates: the conversions never wrap, and a TTL Redis could not
// take (here: a clock so late that now+ttl overflows) means no expiry, in the
// header and in Redis alike.
func TestExpiryForSaturates(t *testing.T) {
	if got := ms(math.MaxInt64); got != 9223372036855 {
		t.Errorf("ms(math.MaxInt64) = %d, want 9223372036855", got)
	}
	if got := ms(time.Nanosecond); got != 1 {
		t.Errorf("ms(1ns) = %d, want 1", got)
	}
	if got := durationMS(math.MaxInt64 / int64(time.Millisecond) * 2); got != math.MaxInt64 {
		t.Errorf("durationMS(huge) = %v, want math.MaxInt64", got)
	}
	a := &Adapter{grace: time.Second, graceMS: 1000}
	if exp, keep := a.expiryFor(math.MaxInt64-5, time.Hour); exp != 0 || keep != 0 {
		t.Errorf("expiryFor(late clock) = %d, %d; want 0, 0 (no expiry)", exp, keep)
	}
	now := time.Now().UnixMilli()
	if exp, keep := a.expiryFor(now, math.MaxInt64); exp != now+9223372036855 || keep != 9223372036855+1000 {
		t.Errorf("expiryFor(now, math.MaxInt64) = %d, %d", exp, keep)
	}
}
