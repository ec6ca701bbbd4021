package redistest

import (
	"context"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"
)

// Miniredis is an in-process miniredis (github.com/alicebob/miniredis/v2) on a
// fake clock that it shares with the adapters over it: give the clock to the
// drivers' Options.Clock, and keys expire exactly when Advance moves it, in
// miniredis and in Strata's grace header and L1 alike, never on their own. It is
// the recipe of docs/testing.md, for Strata's own tests of the drivers on
// miniredis. Move time with Advance only: miniredis' FastForward would move
// miniredis' clock without Strata's.
type Miniredis struct {
	*miniredis.Miniredis

	mu  sync.Mutex
	now time.Time
}

// StartMiniredis starts a miniredis whose clock reads start, stopped when the
// test ends.
func StartMiniredis(t TB, start time.Time) *Miniredis {
	t.Helper()
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		t.Fatalf("redistest: starting miniredis: %v", err)
	}
	t.Cleanup(m.Close)
	m.SetTime(start)
	m.ClockTTL(true) // TTLs follow SetTime (by default only FastForward moves them)
	return &Miniredis{Miniredis: m, now: start}
}

// Now is the fake time (the drivers' Options.Clock).
func (m *Miniredis) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Advance moves the fake time by d, for miniredis and the drivers together.
func (m *Miniredis) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
	m.SetTime(m.now)
}

// Client returns a go-redis client for the server, closed when the test ends. It
// caps TTLs at the longest one miniredis can hold (see clampTTLs).
func (m *Miniredis) Client(t TB) goredis.UniversalClient {
	rdb := goredis.NewClient(&goredis.Options{Addr: m.Addr(), ContextTimeoutEnabled: true})
	rdb.AddHook(clampTTLs{})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// maxDurationMS is the longest TTL miniredis can hold, in milliseconds: it keeps
// TTLs as a time.Duration (about 292 years).
const maxDurationMS = math.MaxInt64 / int64(time.Millisecond)

// clampTTLs is a go-redis hook that works around a limit of miniredis: it converts
// a PX (or a script's PEXPIRE) of more than maxDurationMS to a time.Duration, which
// overflows negative, and drops the key at once, where Redis takes TTLs up to
// 2^62 ms. The redis driver sends such TTLs for a TTL near math.MaxInt64 (rounded
// up to whole milliseconds, plus grace), as the conformance suite's TTL-range specs
// check. The hook sends maxDurationMS instead: 292 years either way.
type clampTTLs struct{}

func (clampTTLs) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (clampTTLs) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		clampTTL(cmd)
		return next(ctx, cmd)
	}
}

func (clampTTLs) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		for _, cmd := range cmds {
			clampTTL(cmd)
		}
		return next(ctx, cmds)
	}
}

// clampTTL clamps the argument after PX (SET, GETEX) and a script's last argument
// (the grace update script's PEXPIRE) to maxDurationMS.
func clampTTL(cmd goredis.Cmder) {
	args := cmd.Args()
	script := cmd.Name() == "eval" || cmd.Name() == "evalsha"
	for i := 1; i < len(args); i++ {
		if prev, _ := args[i-1].(string); !strings.EqualFold(prev, "px") && !(script && i == len(args)-1) {
			continue
		}
		switch v := args[i].(type) {
		case int64:
			args[i] = min(v, maxDurationMS)
		case string:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > maxDurationMS {
				args[i] = strconv.FormatInt(maxDurationMS, 10)
			}
		}
	}
}
