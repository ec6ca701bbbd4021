package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// stallTimeout is the ReadTimeout and WriteTimeout of the clients of the stall
// tests: small, so that the tests are quick.
const stallTimeout = 300 * time.Millisecond

// stallOp is one adapter call made without a ctx deadline.
type stallOp struct {
	name string
	call func(ctx context.Context, a *Adapter) error
}

// stallOps are every kind of call: single commands, pipelines (GET+PTTL,
// SetMany, GetMany and Remove across slots), scripts (grace) and batches.
var stallOps = []stallOp{
	{"Get", func(ctx context.Context, a *Adapter) error { _, err := a.Get(ctx, "k0"); return err }},
	{"Set", func(ctx context.Context, a *Adapter) error { return a.Set(ctx, "k0", []byte("v"), time.Hour) }},
	{"GetWithTTL", func(ctx context.Context, a *Adapter) error { _, _, err := a.GetWithTTL(ctx, "k0"); return err }},
	{"GetMany", func(ctx context.Context, a *Adapter) error { _, err := a.GetMany(ctx, stallKeys); return err }},
	{"SetMany", func(ctx context.Context, a *Adapter) error {
		return a.SetMany(ctx, map[string][]byte{"k0": {1}, "k1": {2}, "k2": {3}, "k3": {4}}, time.Hour)
	}},
	{"UpdateTimeout", func(ctx context.Context, a *Adapter) error {
		_, err := a.UpdateTimeout(ctx, "k0", time.Hour)
		return err
	}},
	{"Remove", func(ctx context.Context, a *Adapter) error { _, err := a.Remove(ctx, stallKeys...); return err }},
	{"Remove one", func(ctx context.Context, a *Adapter) error { _, err := a.Remove(ctx, "k9"); return err }},
	{"Ping", func(ctx context.Context, a *Adapter) error { return a.Ping(ctx) }},
}

var stallKeys = []string{"k0", "k1", "k2", "k3"}

// checkStalledCalls stalls the network with stall, then makes every call with a
// ctx without deadline and checks that each returns within three times the
// documented bound (WriteTimeout + ReadTimeout) with an outage error, not a
// deadline the caller never set; resume ends the stall.
func checkStalledCalls(t *testing.T, a *Adapter, stall, resume func()) {
	t.Helper()
	ctx := context.Background()
	// Warm up: keys, both scripts and the connections exist before the stall.
	for _, op := range stallOps {
		if err := op.call(ctx, a); err != nil && !errors.Is(err, adapter.ErrNotFound) {
			t.Fatalf("%s before the stall: %v", op.name, err)
		}
	}
	bound := 2 * stallTimeout // WriteTimeout + ReadTimeout, as the package doc says
	stall()
	for _, op := range stallOps {
		for range 2 { // the second call starts on connections the first one left
			start := time.Now()
			err := op.call(ctx, a)
			took := time.Since(start)
			t.Logf("%s: %v after %v", op.name, err, took.Round(time.Millisecond))
			switch {
			case took > 3*bound:
				t.Errorf("%s on a stalled server without a deadline took %v; want at most 3x the bound %v (%v)", op.name, took, bound, err)
			case err == nil:
				t.Errorf("%s on a stalled server: no error", op.name)
			case !errors.Is(err, adapter.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded):
				t.Errorf("%s on a stalled server: %v; want adapter.ErrUnavailable and not a deadline the caller never set", op.name, err)
			}
		}
	}
	resume()
	eventually(t, 10*time.Second, "Set after the stall ended", func() bool {
		return a.Set(ctx, "k0", []byte("v"), time.Hour) == nil
	})
}

// TestStalledServerBoundsCallsWithoutDeadline: through a TCP path that stops
// forwarding without closing, a call without a ctx deadline used to be bounded
// only by go-redis's timeouts, which its retries multiply on pipelined paths
// (GetWithTTL took 9x ReadTimeout, 40s with the defaults). Every call now
// returns within WriteTimeout + ReadTimeout.
func TestStalledServerBoundsCallsWithoutDeadline(t *testing.T) {
	srv := redistest.StartServer(t, nil)
	for _, grace := range []time.Duration{0, time.Minute} {
		for _, pipe := range []bool{false, true} {
			t.Run(fmt.Sprintf("grace=%v/autopipeline=%v", grace, pipe), func(t *testing.T) {
				p := redistest.StartProxy(t, srv.Addr())
				u := fmt.Sprintf("redis://%s/0?read_timeout=%v&write_timeout=%v&prefix=%s&grace=%v&autopipeline=%v",
					p.Addr(), stallTimeout, stallTimeout, redistest.RandomPrefix(), grace, pipe)
				a, err := OpenURL(ctxT(t), u)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = a.Close() })
				if a.autoPipe != nil {
					a.autoPipe.always = true
				}
				checkStalledCalls(t, a, p.Stall, p.Resume)
			})
		}
	}
}

// TestStalledClusterBoundsCallsWithoutDeadline is the same on a Cluster, where
// batches are pipelines split by node: every node is reached through a proxy.
func TestStalledClusterBoundsCallsWithoutDeadline(t *testing.T) {
	c := sharedCluster(t)
	route := map[string]string{}
	var proxies []*redistest.Proxy
	for _, node := range c.Nodes() {
		p := redistest.StartProxy(t, node.Addr())
		route[node.Addr()] = p.Addr()
		proxies = append(proxies, p)
	}
	for _, grace := range []time.Duration{0, time.Minute} {
		t.Run(fmt.Sprintf("grace=%v", grace), func(t *testing.T) {
			rdb := goredis.NewClusterClient(&goredis.ClusterOptions{
				Addrs:                 c.Addrs(),
				ReadTimeout:           stallTimeout,
				WriteTimeout:          stallTimeout,
				ContextTimeoutEnabled: true,
				Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
					if p, ok := route[addr]; ok {
						addr = p
					}
					var d net.Dialer
					return d.DialContext(ctx, network, addr)
				},
			})
			t.Cleanup(func() { _ = rdb.Close() })
			a := newTestAdapter(t, rdb, Options{Grace: grace})
			slots := map[int]bool{}
			for _, k := range stallKeys {
				slots[Slot(a.Prefix()+k)] = true
			}
			if len(slots) < 2 {
				t.Fatalf("the keys are in %d slot(s); the test needs batches across slots", len(slots))
			}
			each := func(f func(*redistest.Proxy)) func() {
				return func() {
					for _, p := range proxies {
						f(p)
					}
				}
			}
			checkStalledCalls(t, a, each((*redistest.Proxy).Stall), each((*redistest.Proxy).Resume))
		})
	}
}
