package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// openBound is the generous bound of a call once the breaker is open: such a call
// sends nothing, so only a machine too loaded to schedule it comes near it.
const openBound = 100 * time.Millisecond

// recoverBound is the generous bound for calls to succeed again after the server
// is back (the breaker's promise is about one probe interval).
const recoverBound = 5 * time.Second

// breakerOps are every kind of call, each run against an open breaker.
var breakerOps = append(slices.Clone(stallOps),
	stallOp{"Publish", func(ctx context.Context, a *Adapter) error { return a.Publish(ctx, "k0") }},
	stallOp{"Subscribe", func(ctx context.Context, a *Adapter) error {
		stop, err := a.Subscribe(ctx, nil, nil)
		if err == nil {
			stop()
		}
		return err
	}},
	stallOp{"Clear", func(ctx context.Context, a *Adapter) error { return a.Clear(ctx, "") }},
)

// openBreaker calls Get without a deadline on a server that is down until the
// breaker opens, checking that each call failed as an outage and that the breaker
// opened after exactly threshold of them.
func openBreaker(t *testing.T, a *Adapter, threshold int) {
	t.Helper()
	ctx := context.Background()
	for calls := 1; ; calls++ {
		start := time.Now()
		_, err := a.Get(ctx, "k0")
		t.Logf("call %d on the server that is down: %v after %v", calls, err, time.Since(start).Round(time.Millisecond))
		if !errors.Is(err, adapter.ErrUnavailable) {
			t.Fatalf("call %d on a server that is down: %v; want adapter.ErrUnavailable", calls, err)
		}
		if _, open := a.BreakerOpen(); open {
			if calls != threshold {
				t.Fatalf("the breaker opened after %d failures; want %d", calls, threshold)
			}
			return
		}
		if calls >= threshold {
			t.Fatalf("the breaker is still closed after %d connection failures in a row (threshold %d)", calls, threshold)
		}
	}
}

// checkFailsFast makes n calls of every kind in turn against the open breaker:
// each must fail at once with a *BreakerOpenError that wraps adapter.ErrUnavailable
// and satisfies cause. It logs the latencies.
func checkFailsFast(t *testing.T, a *Adapter, n int, what string, cause func(error) bool) {
	t.Helper()
	ctx := context.Background()
	took := make([]time.Duration, n)
	for i := range n {
		op := breakerOps[i%len(breakerOps)]
		start := time.Now()
		err := op.call(ctx, a)
		took[i] = time.Since(start)
		var open *BreakerOpenError
		switch {
		case took[i] > openBound:
			t.Errorf("%s with the breaker open took %v; want < %v (%v)", op.name, took[i], openBound, err)
		case !errors.Is(err, adapter.ErrUnavailable) || !errors.As(err, &open):
			t.Errorf("%s with the breaker open: %v; want a *BreakerOpenError wrapping adapter.ErrUnavailable", op.name, err)
		case !strings.Contains(err.Error(), "circuit breaker open since "+open.Since.Format("2006-01-02T15:04:05.000")):
			t.Errorf("%s: %q does not say since when the breaker is open", op.name, err)
		case !cause(err):
			t.Errorf("%s: %v does not wrap the cause", op.name, err)
		}
	}
	logLatencies(t, what, took)
}

func logLatencies(t *testing.T, what string, took []time.Duration) {
	t.Helper()
	s := slices.Clone(took)
	slices.Sort(s)
	t.Logf("%s, %d calls: p50 %v, p99 %v, max %v", what, len(s), s[len(s)/2], s[len(s)*99/100], s[len(s)-1])
}

// awaitRecovery polls Get until the server answers it (a value or a miss) and
// returns how long that took; it fails the test after recoverBound.
func awaitRecovery(t *testing.T, a *Adapter) time.Duration {
	t.Helper()
	start := time.Now()
	var err error
	for time.Since(start) < recoverBound {
		if _, err = a.Get(context.Background(), "k0"); err == nil || errors.Is(err, adapter.ErrNotFound) {
			return time.Since(start)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("calls still fail %v after the server is back: %v", recoverBound, err)
	return 0
}

// goroutines returns the stacks of the live goroutines by their header line
// ("goroutine 12 [running]:" without the state).
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		id, _, _ := strings.Cut(g, " [")
		out[id] = g
	}
	return out
}

// probesSince counts the goroutines of open breakers' probes that were not
// running at the time of the goroutines snapshot before: those of the adapters of
// earlier tests do not count.
func probesSince(before map[string]string) int {
	n := 0
	for id, g := range goroutines() {
		if _, old := before[id]; !old && strings.Contains(g, "drivers/redis.(*breaker).probing(") {
			n++
		}
	}
	return n
}

// awaitProbes waits until probesSince(before) is want. A goroutine just started
// may not show in a stack dump yet, and one that has just called wg.Done (which
// Close waits for) is still there a moment longer.
func awaitProbes(t *testing.T, before map[string]string, want int, when string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for n := probesSince(before); n != want; n = probesSince(before) {
		if time.Now().After(deadline) {
			t.Fatalf("%d probe goroutines %s; want %d", n, when, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// leakCheck returns a function that fails the test if a goroutine started by this
// package (or running its code) since leakCheck was called is still alive.
func leakCheck(t *testing.T) func() {
	before := goroutines()
	return func() {
		t.Helper()
		var left []string
		eventually(t, 5*time.Second, "goroutines of the adapter outlive Close", func() bool {
			left = left[:0]
			for id, g := range goroutines() {
				if _, old := before[id]; !old && strings.Contains(g, "stratacache/strata/drivers/redis.") {
					left = append(left, g)
				}
			}
			return len(left) == 0
		})
		if len(left) > 0 {
			t.Errorf("left running: %s", strings.Join(left, "\n\n"))
		}
	}
}

// TestBreakerFailsFastWhileTheServerIsDown kills the server: after
// DefaultBreakerThreshold failed calls the breaker opens, every kind of call then
// fails at once with an error wrapping adapter.ErrUnavailable and the refused
// connection, one probe goroutine runs, the Logger gets one warning and, after
// Restart, one info line; calls succeed again soon after the server is back, and
// the probe goroutine ends. No log line holds the password.
func TestBreakerFailsFastWhileTheServerIsDown(t *testing.T) {
	const pw = "breaker-secret-pw"
	srv := redistest.StartServer(t, &redistest.Options{Password: pw})
	cfg, err := ParseURL(withParams(srv.URL(), "prefix="+redistest.RandomPrefix()))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	cfg.Options.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	a, err := Open(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	if err := a.Set(ctxT(t), "k0", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	before := goroutines()
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	openBreaker(t, a, DefaultBreakerThreshold)
	checkFailsFast(t, a, 60, "Redis killed, breaker open", func(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) })
	awaitProbes(t, before, 1, "while the breaker is open")
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	t.Logf("calls succeed again %v after the server is back", awaitRecovery(t, a).Round(time.Millisecond))
	awaitProbes(t, before, 0, "once the breaker is closed")

	out := logs.String()
	if n := strings.Count(out, "level=WARN msg=\"strata/redis: circuit breaker open"); n != 1 {
		t.Errorf("%d warnings that the breaker opened; want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "level=INFO msg=\"strata/redis: circuit breaker closed"); n != 1 {
		t.Errorf("%d notes that the breaker closed; want 1:\n%s", n, out)
	}
	if strings.Contains(out, pw) {
		t.Errorf("the log holds the password:\n%s", out)
	}
	t.Logf("log:\n%s", out)
}

// TestBreakerOpensOnAPausedServer: a server frozen with SIGSTOP answers nothing;
// the timeouts of calls without a deadline are failures, the breaker opens, calls
// then fail at once with the timeout as their cause, and succeed again after
// Resume.
func TestBreakerOpensOnAPausedServer(t *testing.T) {
	srv := redistest.StartServer(t, nil)
	a, err := OpenURL(ctxT(t), withParams(srv.URL(), fmt.Sprintf("read_timeout=%v&write_timeout=%v&prefix=%s",
		stallTimeout, stallTimeout, redistest.RandomPrefix())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	if err := a.Set(ctxT(t), "k0", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	resume := pause(t, srv)
	openBreaker(t, a, DefaultBreakerThreshold)
	checkFailsFast(t, a, 60, "Redis paused, breaker open", func(err error) bool { return isTimeout(err) })
	resume()
	t.Logf("calls succeed again %v after Resume", awaitRecovery(t, a).Round(time.Millisecond))
}

// assertClosed fails the test if a's breaker is open.
func assertClosed(t *testing.T, a *Adapter, after string) {
	t.Helper()
	if since, open := a.BreakerOpen(); open {
		t.Fatalf("the breaker opened (at %v) after %s", since, after)
	}
}

// TestBreakerIgnoresReplies: with a threshold of 1, misses, WRONGTYPE and NOPERM
// replies leave the breaker closed, since the server answered; a refused
// connection on the same adapter then opens it.
func TestBreakerIgnoresReplies(t *testing.T) {
	ctx := ctxT(t)
	srv := startACLServer(t)
	admin := aclAdmin(t, srv)
	a, err := OpenURL(ctx, srv.UserURL(aclAppUser)+"?prefix=app:&breaker_threshold=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	denied, err := OpenURL(ctx, srv.UserURL(aclAppUser)+"?prefix=other:&breaker_threshold=1&lazy=true")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = denied.Close() })
	if err := admin.LPush(ctx, "app:list", "x").Err(); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := a.Get(ctx, "missing"); !errors.Is(err, adapter.ErrNotFound) {
			t.Fatalf("Get of a missing key: %v", err)
		}
		if _, err := a.Get(ctx, "list"); err == nil || !strings.Contains(err.Error(), "WRONGTYPE") {
			t.Fatalf("Get of a list: %v; want WRONGTYPE", err)
		}
		if _, err := a.UpdateTimeout(ctx, "list", time.Hour); err == nil || !strings.Contains(err.Error(), "WRONGTYPE") {
			t.Fatalf("UpdateTimeout of a list: %v; want WRONGTYPE", err)
		}
		if _, err := a.GetMany(ctx, []string{"list", "missing"}); err == nil || !strings.Contains(err.Error(), "WRONGTYPE") {
			t.Fatalf("GetMany with a list: %v; want WRONGTYPE", err)
		}
		assertClosed(t, a, "misses and WRONGTYPE replies")
		if _, err := denied.Get(ctx, "k"); err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Fatalf("Get outside the user's keys: %v; want NOPERM", err)
		}
		if err := denied.Set(ctx, "k", []byte("v"), time.Hour); err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Fatalf("Set outside the user's keys: %v; want NOPERM", err)
		}
		if err := denied.SetMany(ctx, map[string][]byte{"k": nil, "j": nil}, time.Hour); err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Fatalf("SetMany outside the user's keys: %v; want NOPERM", err)
		}
		assertClosed(t, denied, "NOPERM replies")
	}
	// The control: the same adapter, with the server gone.
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	openBreaker(t, a, 1)
}

// TestBreakerIgnoresMovedReplies: an adapter over a plain client at one Cluster
// node gets MOVED for the keys of other nodes, a reply that leaves its breaker
// closed; once the node cannot be reached (its proxy closed), the breaker opens.
func TestBreakerIgnoresMovedReplies(t *testing.T) {
	ctx := ctxT(t)
	node := sharedCluster(t).Masters()[0]
	p := redistest.StartProxy(t, node.Addr())
	a := newTestAdapter(t, goredis.NewClient(&goredis.Options{Addr: p.Addr(), ContextTimeoutEnabled: true}),
		Options{Breaker: BreakerOptions{Threshold: 1}})
	t.Cleanup(func() { _ = a.Client().Close() })
	mine := clusterSlotsOf(ctx, t, node)
	var elsewhere, here string
	for i := 0; elsewhere == "" || here == ""; i++ {
		k := fmt.Sprintf("key-%d", i)
		if inRanges(Slot(a.Prefix()+k), mine) {
			here = k
		} else {
			elsewhere = k
		}
	}
	for range 5 {
		if _, err := a.Get(ctx, elsewhere); err == nil || !strings.Contains(err.Error(), "MOVED") {
			t.Fatalf("Get of another node's key: %v; want MOVED", err)
		}
		if err := a.Set(ctx, elsewhere, []byte("v"), time.Hour); err == nil || !strings.Contains(err.Error(), "MOVED") {
			t.Fatalf("Set of another node's key: %v; want MOVED", err)
		}
		assertClosed(t, a, "MOVED replies")
		if _, err := a.Get(ctx, here); !errors.Is(err, adapter.ErrNotFound) {
			t.Fatalf("Get of the node's own key: %v", err)
		}
	}
	p.Close()
	openBreaker(t, a, 1)
}

// TestBreakerIgnoresTheCallersContext: on a paused server, calls whose ctx ends
// (a short deadline, a cancellation during the call, a ctx already cancelled)
// never open the breaker, even with a threshold of 1; a call without a deadline
// that times out on the same adapter opens it.
func TestBreakerIgnoresTheCallersContext(t *testing.T) {
	srv := redistest.StartServer(t, nil)
	a, err := OpenURL(ctxT(t), withParams(srv.URL(), fmt.Sprintf("read_timeout=%v&write_timeout=%v&prefix=%s&breaker_threshold=1",
		stallTimeout, stallTimeout, redistest.RandomPrefix())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	if err := a.Set(ctxT(t), "k0", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	pause(t, srv)
	for _, op := range stallOps {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		err := op.call(ctx, a)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s with a 50ms deadline on a paused server: %v; want context.DeadlineExceeded", op.name, err)
		}
		assertClosed(t, a, op.name+" ran out of its caller's deadline")
	}
	for _, op := range stallOps[:3] {
		ctx, cancel := context.WithCancel(context.Background())
		timer := time.AfterFunc(30*time.Millisecond, cancel)
		err := op.call(ctx, a)
		timer.Stop()
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%s cancelled during the call on a paused server: %v; want context.Canceled", op.name, err)
		}
		assertClosed(t, a, op.name+" was cancelled by its caller")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, op := range breakerOps {
		if err := op.call(ctx, a); !errors.Is(err, context.Canceled) {
			t.Fatalf("%s with a cancelled ctx: %v", op.name, err)
		}
	}
	assertClosed(t, a, "calls with a cancelled ctx")
	// The control: a call without a deadline times out and opens the breaker.
	openBreaker(t, a, 1)
}

// TestBreakerCloseStopsTheProbe: Close while the breaker is open ends its probe
// goroutine before returning, both for an adapter that owns its client (server
// killed) and for one over the caller's client (server paused, so that a probe may
// be waiting for its answer); no goroutine of the adapter outlives Close.
func TestBreakerCloseStopsTheProbe(t *testing.T) {
	for _, paused := range []bool{false, true} {
		t.Run(fmt.Sprintf("paused=%v", paused), func(t *testing.T) {
			srv := redistest.StartServer(t, nil)
			raw := withParams(srv.URL(), fmt.Sprintf("read_timeout=%v&write_timeout=%v&breaker_threshold=1&breaker_probe=50ms",
				stallTimeout, stallTimeout))
			leaks := leakCheck(t)
			before := goroutines()
			var a *Adapter
			if paused {
				a = newTestAdapter(t, client(t, raw), Options{Breaker: BreakerOptions{Threshold: 1, ProbeInterval: 50 * time.Millisecond}})
				pause(t, srv)
			} else {
				var err error
				if a, err = OpenURL(ctxT(t), withParams(raw, "prefix="+redistest.RandomPrefix())); err != nil {
					t.Fatal(err)
				}
				if err := srv.Kill(); err != nil {
					t.Fatal(err)
				}
			}
			openBreaker(t, a, 1)
			// Not a bound: lets a few probes run, so that one may be in flight
			// (waiting on the paused server) when Close comes.
			time.Sleep(200 * time.Millisecond)
			awaitProbes(t, before, 1, "while the breaker is open")
			start := time.Now()
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			awaitProbes(t, before, 0, "after Close")
			t.Logf("Close took %v", took.Round(time.Millisecond))
			if took > 3*probeTimeout {
				t.Errorf("Close took %v with the breaker open", took)
			}
			if _, err := a.Get(context.Background(), "k"); !errors.Is(err, adapter.ErrClosed) {
				t.Errorf("Get after Close: %v; want ErrClosed", err)
			}
			leaks()
		})
	}
}

// TestBreakerCounts checks the breaker's bookkeeping on fake time: which
// outcomes count as failures, reset the count or are ignored; that it opens at
// the threshold with the noted cause; that its probe runs every interval until
// it succeeds; and that close ends the probe.
func TestBreakerCounts(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	outage := fmt.Errorf("strata/redis: GET: %w: %w", adapter.ErrUnavailable, refused)
	cases := []struct {
		name string
		err  error
		want string // "count", "reset" or "ignore"
	}{
		{"success", nil, "reset"},
		{"miss", adapter.NotFound("k"), "reset"},
		{"reply", &adapter.KeyError{Key: "k", Err: errors.New("WRONGTYPE Operation against a key holding the wrong kind of value")}, "reset"},
		{"too large", &adapter.KeyError{Key: "k", Err: ErrTooLarge}, "reset"},
		{"outage", outage, "count"},
		{"outage on a key", &adapter.KeyError{Key: "k", Err: outage}, "count"},
		{"outage in a batch", &adapter.BatchError{Errs: map[string]error{"a": adapter.NotFound("a"), "b": outage}}, "count"},
		{"no reply within the bound", fmt.Errorf("x: %w: %w", adapter.ErrUnavailable, noReplyError{bound: time.Second}), "count"},
		{"caller's deadline", fmt.Errorf("strata/redis: GET: %w (%w)", context.DeadlineExceeded, io.ErrUnexpectedEOF), "ignore"},
		{"caller's cancel", context.Canceled, "ignore"},
		{"closed", adapter.ErrClosed, "ignore"},
		{"refused by the breaker", &adapter.KeyError{Key: "k", Err: &BreakerOpenError{Cause: refused}}, "ignore"},
	}
	for _, c := range cases {
		b, err := newBreaker(BreakerOptions{Threshold: 10}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		b.fails.Store(2)
		b.settle(c.err)
		got := map[int32]string{0: "reset", 2: "ignore", 3: "count"}[b.fails.Load()]
		if got != c.want {
			t.Errorf("%s: the count went from 2 to %d (%s); want %s", c.name, b.fails.Load(), got, c.want)
		}
	}

	synctest.Test(t, func(t *testing.T) {
		var probes atomic.Int32
		probe := func(ctx context.Context) error {
			if probes.Add(1) < 3 {
				return refused
			}
			return nil
		}
		b, err := newBreaker(BreakerOptions{Threshold: 3, ProbeInterval: time.Second}, probe, nil)
		if err != nil {
			t.Fatal(err)
		}
		// If the test fails early: the bubble ends only without goroutines.
		defer b.close()
		// A connection failure, as Adapter.wrap and a call's settle count it.
		fail := func() { b.note(refused); b.settle(outage) }
		fail()
		fail()
		b.settle(nil)
		fail()
		fail()
		if b.admit() != nil {
			t.Fatal("the breaker opened after two failures in a row")
		}
		fail()
		var open *BreakerOpenError
		if err := b.admit(); !errors.As(err, &open) || open.Cause != refused || open.Failures != 3 || !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("after three failures in a row: %v; want the breaker open with the noted cause", err)
		}
		time.Sleep(2500 * time.Millisecond)
		synctest.Wait()
		if b.admit() == nil || probes.Load() != 2 {
			t.Fatalf("after 2.5s: %d probes, breaker open %v; want 2 failed probes, one per second, and the breaker open",
				probes.Load(), b.admit() != nil)
		}
		time.Sleep(500 * time.Millisecond)
		synctest.Wait()
		if b.admit() != nil || probes.Load() != 3 {
			t.Fatalf("after 3s: %d probes, breaker open %v; want the third probe to have closed it", probes.Load(), b.admit() != nil)
		}

		probes.Store(-100) // fails from now on
		for range 3 {
			fail()
		}
		if b.admit() == nil {
			t.Fatal("the breaker did not open again")
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if b.admit() == nil {
			t.Fatal("the breaker closed without an answer")
		}
		b.close() // ends the probe goroutine, or the bubble would never end
		b.open.Store(nil)
		b.trip(refused)
		if b.admit() != nil {
			t.Fatal("the breaker opened after close")
		}
	})
}

// TestBreakerOptions: the URL parameters set Options.Breaker, and bad values are
// refused.
func TestBreakerOptions(t *testing.T) {
	for raw, want := range map[string]BreakerOptions{
		"redis://h/0": {},
		"redis://h/0?breaker_threshold=5&breaker_probe=1s":               {Threshold: 5, ProbeInterval: time.Second},
		"redis://h/0?breaker_threshold=off":                              {Threshold: -1},
		"redis://h/0?breaker_threshold=-5":                               {Threshold: -1},
		"redis+cluster://h:7000?breaker_threshold=0&breaker_probe=100ms": {ProbeInterval: 100 * time.Millisecond},
	} {
		cfg, err := ParseURL(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if cfg.Options.Breaker != want {
			t.Errorf("%s: Breaker %+v; want %+v", raw, cfg.Options.Breaker, want)
		}
	}
	for _, raw := range []string{"redis://h/0?breaker_threshold=1.5", "redis://h/0?breaker_threshold=many", "redis://h/0?breaker_probe=-1s",
		"redis://h/0?breaker_probe=soon"} {
		if _, err := ParseURL(raw); err == nil || !strings.Contains(err.Error(), "breaker_") {
			t.Errorf("%s: %v; want an error naming the parameter", raw, err)
		}
	}
	c := client(t, "redis://127.0.0.1:1/0")
	if _, err := New(c, &Options{Breaker: BreakerOptions{ProbeInterval: -time.Second}}); err == nil {
		t.Error("New accepted a negative ProbeInterval")
	}
	a, err := New(c, &Options{Breaker: BreakerOptions{Threshold: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.brk != nil {
		t.Error("a negative Threshold did not turn the breaker off")
	}
}

// TestSettleDoesNotAllocate: the breaker counts every call's outcome, so counting
// a success or a reply must not allocate (it did, once per call: 1 of a GET's 9
// allocations at 16 goroutines).
func TestSettleDoesNotAllocate(t *testing.T) {
	b, err := newBreaker(BreakerOptions{}, func(context.Context) error { return nil }, nil)
	if err != nil || b == nil {
		t.Fatalf("newBreaker = %v, %v; want a breaker", b, err)
	}
	defer b.close()
	miss := adapter.NotFound("k")
	if n := testing.AllocsPerRun(100, func() { b.settle(nil); b.settle(miss) }); n != 0 {
		t.Fatalf("settle allocated %.0f times per success and miss; want 0", n)
	}
}
