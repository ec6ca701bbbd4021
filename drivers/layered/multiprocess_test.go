package layered

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// The multi-process test re-executes this test binary as process B. B opens its own
// layered adapter (memory over Redis) and obeys one command per line on stdin:
//
//	get KEY   -> "val QUOTED-VALUE l1=BOOL" or "miss" or "err MESSAGE"
//	quit      -> closes the adapter and exits
//
// and prints "drop UNIXNANO QUOTED-KEY..." whenever its L1 drops keys another
// process changed (Options.OnInvalidate), timestamped with the wall clock.
const (
	childEnv       = "STRATA_LAYERED_CHILD_REDIS_URL"
	childPrefixEnv = "STRATA_LAYERED_CHILD_PREFIX"
)

func childMain() int {
	ctx := context.Background()
	var outMu sync.Mutex
	say := func(format string, args ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Printf(format+"\n", args...)
	}
	l1, err := memory.Open(context.Background(), nil)
	if err != nil {
		say("fatal %v", err)
		return 1
	}
	l2 := openRedisChild(os.Getenv(childEnv), os.Getenv(childPrefixEnv))
	if l2 == nil {
		say("fatal cannot open redis")
		return 1
	}
	a, err := New(l1, l2, &Options{
		OnInvalidate: func(keys []string) {
			now := time.Now().UnixNano()
			q := make([]string, len(keys))
			for i, k := range keys {
				q[i] = strconv.Quote(k)
			}
			say("drop %d %s", now, strings.Join(q, " "))
		},
	})
	if err != nil {
		say("fatal %v", err)
		return 1
	}
	defer a.Close()
	say("ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		switch cmd {
		case "get":
			v, err := a.Get(ctx, arg)
			switch {
			case errors.Is(err, adapter.ErrNotFound):
				say("miss")
			case err != nil:
				say("err %v", err)
			default:
				_, inL1 := l1.Get(ctx, arg)
				say("val %s l1=%v", strconv.Quote(string(v)), inL1 == nil)
			}
		case "quit":
			return 0
		}
	}
	return 0
}

func openRedisChild(rawURL, prefix string) adapter.Adapter {
	r, err := redis.OpenURL(context.Background(), withParams(rawURL, "prefix="+url.QueryEscape(prefix)))
	if err != nil {
		return nil
	}
	return r
}

// child is process B seen from the test.
type child struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	replies chan string
	drops   chan drop
}

type drop struct {
	at   time.Time
	keys []string
}

func startChild(t *testing.T, rawURL, prefix string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+rawURL, childPrefixEnv+"="+prefix)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: stdin, replies: make(chan string, 16), drops: make(chan drop, 1024)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, "drop "); ok {
				ns, keys, _ := strings.Cut(rest, " ")
				n, _ := strconv.ParseInt(ns, 10, 64)
				var ks []string
				for _, q := range strings.Fields(keys) {
					k, _ := strconv.Unquote(q)
					ks = append(ks, k)
				}
				c.drops <- drop{at: time.Unix(0, n), keys: ks}
				continue
			}
			c.replies <- line
		}
		close(c.replies)
	}()
	t.Cleanup(func() {
		_, _ = io.WriteString(stdin, "quit\n")
		_ = stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	if r := c.reply(t); r != "ready" {
		t.Fatalf("process B: %s", r)
	}
	return c
}

func (c *child) reply(t *testing.T) string {
	t.Helper()
	select {
	case r, ok := <-c.replies:
		if !ok {
			t.Fatal("process B exited")
		}
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("process B does not answer")
		return ""
	}
}

func (c *child) get(t *testing.T, key string) string {
	t.Helper()
	if _, err := io.WriteString(c.stdin, "get "+key+"\n"); err != nil {
		t.Fatal(err)
	}
	return c.reply(t)
}

// waitDrop returns the time process B dropped key from its L1.
func (c *child) waitDrop(t *testing.T, key string) time.Time {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case d := <-c.drops:
			if slices.Contains(d.keys, key) {
				return d.at
			}
		case <-timeout:
			t.Fatalf("process B never dropped %q", key)
		}
	}
}

// TestMultiProcess runs process B as a child process: B caches a key in its L1,
// process A (this test) overwrites it and removes it, and B must see each change.
// It measures the invalidation latency, from the moment A's write returned to the
// moment B's L1 dropped the key (both wall clocks of this machine), over many
// rounds, and logs its distribution (never asserted: machines differ).
func TestMultiProcess(t *testing.T) {
	const rounds = 200
	ctx := ctxT(t)
	rawURL := serverURL(t)
	prefix := redistest.RandomPrefix()
	a, _ := overRedis(t, rawURL, prefix, nil)
	b := startChild(t, rawURL, prefix)

	var fromReturn, fromCall []time.Duration
	measure := func(called, returned time.Time, key string) {
		dropped := b.waitDrop(t, key)
		fromReturn = append(fromReturn, dropped.Sub(returned))
		fromCall = append(fromCall, dropped.Sub(called))
	}
	for i := range rounds {
		key := fmt.Sprintf("k%d", i%10)
		v1, v2 := fmt.Sprintf("v%d-a", i), fmt.Sprintf("v%d-b", i)
		if err := a.Set(ctx, key, []byte(v1), time.Hour); err != nil {
			t.Fatal(err)
		}
		b.waitDrop(t, key) // the first write of the round, not measured
		want := fmt.Sprintf("val %q l1=true", v1)
		if got := b.get(t, key); got != want {
			t.Fatalf("round %d: B read %s, want %s (cached in L1)", i, got, want)
		}

		called := time.Now()
		if err := a.Set(ctx, key, []byte(v2), time.Hour); err != nil {
			t.Fatal(err)
		}
		measure(called, time.Now(), key)
		if got, want := b.get(t, key), fmt.Sprintf("val %q l1=true", v2); got != want {
			t.Fatalf("round %d: after A's overwrite B read %s, want %s", i, got, want)
		}

		called = time.Now()
		if _, err := a.Remove(ctx, key); err != nil {
			t.Fatal(err)
		}
		measure(called, time.Now(), key)
		if got := b.get(t, key); got != "miss" {
			t.Fatalf("round %d: after A's removal B read %s, want a miss", i, got)
		}
	}
	logLatencies(t, "invalidation latency (A's write returned -> B's L1 dropped the key)", fromReturn)
	logLatencies(t, "for reference, from A's write call -> B's drop", fromCall)
}

// logLatencies logs the distribution of d. A negative sample means B dropped the key
// before A's write had returned to its caller (A publishes just before returning).
func logLatencies(t *testing.T, what string, d []time.Duration) {
	t.Helper()
	s := slices.Clone(d)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	early := 0
	for _, x := range s {
		if x < 0 {
			early++
		}
	}
	t.Logf("%s over %d writes: min %v  p50 %v  p90 %v  p99 %v  max %v  (%d dropped before the write returned)",
		what, len(s), s[0], q(0.50), q(0.90), q(0.99), s[len(s)-1], early)
}
