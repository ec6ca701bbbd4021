package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
)

// Calls without a deadline.
//
// go-redis bounds each network wait by ReadTimeout or WriteTimeout, but it
// retries a failed command or pipeline up to MaxRetries times, each time on a
// connection that may have to be dialled and initialised: through a network
// path that silently stopped forwarding, a pipelined call (GET+PTTL, SetMany,
// Cluster batches, auto-pipelined batches) took about nine ReadTimeouts, 40s
// with the defaults, while a single command took one or two. So a call whose
// ctx has no deadline gets one, callBound = WriteTimeout + ReadTimeout, on
// the paths go-redis does not bound as tightly: a shared batch (autoPipe.send:
// from when it is sent) and the calls that send pipelines or several commands
// (Adapter.bounded). A single command sent directly (Adapter.direct) is left to
// go-redis, whose one or two timeouts stay within the bound, so that serial calls
// pay no timer. A call that runs out of it
// fails with adapter.ErrUnavailable (the server or the path to it is
// stalled), never with context.DeadlineExceeded, since the caller set no
// deadline. A ctx with a deadline, shorter or longer, is used as given.

// clientSettings is what the adapter reads from its go-redis client's options.
type clientSettings struct {
	known       bool // false for a client type whose options are unknown
	password    string
	read, write time.Duration // ReadTimeout and WriteTimeout
}

// settingsOf reads client's options (standalone, Sentinel-managed, Cluster or Ring).
func settingsOf(client goredis.UniversalClient) clientSettings {
	switch c := client.(type) {
	case *goredis.Client:
		o := c.Options()
		return clientSettings{true, o.Password, o.ReadTimeout, o.WriteTimeout}
	case *goredis.ClusterClient:
		o := c.Options()
		return clientSettings{true, o.Password, o.ReadTimeout, o.WriteTimeout}
	case *goredis.Ring:
		o := c.Options()
		return clientSettings{true, o.Password, o.ReadTimeout, o.WriteTimeout}
	}
	return clientSettings{}
}

// callBound returns the deadline the adapter gives a call without one:
// WriteTimeout + ReadTimeout, or 0 (none) when the client has either timeout
// turned off or is of a type whose options are unknown.
func (s clientSettings) callBound() time.Duration {
	if !s.known || s.read <= 0 || s.write <= 0 {
		return 0 // the client waits for ever: so does the adapter
	}
	return s.read + s.write
}

// bounded is one call's bound: see Adapter.bounded.
type bounded struct {
	a        *Adapter
	caller   context.Context // the caller's ctx, without a deadline
	cancel   context.CancelFunc
	deadline time.Time
	method   string
}

// bounded returns ctx itself when it has a deadline (or the adapter has no
// bound), and otherwise a ctx that ends a.bound from now. The caller must defer
// b.end(&err) on its error result.
func (a *Adapter) bounded(ctx context.Context, method string) (context.Context, bounded) {
	if a.bound <= 0 {
		return ctx, bounded{}
	}
	if _, ok := ctx.Deadline(); ok {
		return ctx, bounded{}
	}
	deadline := time.Now().Add(a.bound)
	bctx, cancel := context.WithDeadline(ctx, deadline)
	return bctx, bounded{a: a, caller: ctx, cancel: cancel, deadline: deadline, method: method}
}

// end releases the bound's timer and turns an error caused by the bound (the
// deadline the caller never set) into an outage naming the bound.
func (b bounded) end(err *error) {
	if b.cancel == nil {
		return
	}
	b.cancel()
	e := *err
	if e == nil || b.caller.Err() != nil || time.Now().Before(b.deadline) {
		return
	}
	if !errors.Is(e, context.DeadlineExceeded) && !isTimeout(e) {
		return // an answer, a closed adapter ...: not the bound's doing
	}
	out := fmt.Errorf("strata/redis: %s: %w: %w", b.method, adapter.ErrUnavailable, noReplyError{bound: b.a.bound})
	if ke, ok := e.(*adapter.KeyError); ok {
		*err = &adapter.KeyError{Key: ke.Key, Err: out}
		return
	}
	*err = out
}

// noReplyError says a call without a ctx deadline got no reply within the
// adapter's bound. It is a timeout net.Error, so the adapter's error mapping
// counts it as an outage (adapter.ErrUnavailable), and it does not wrap
// context.DeadlineExceeded: the caller set no deadline.
type noReplyError struct{ bound time.Duration }

func (e noReplyError) Error() string {
	return fmt.Sprintf("no reply within %v, the bound a call without a ctx deadline gets (WriteTimeout + ReadTimeout): "+
		"the server or the network path to it is stalled; give ctx a deadline to choose another bound", e.bound)
}

// Timeout reports true: the call timed out.
func (noReplyError) Timeout() bool { return true }

// Temporary reports true: a later call may succeed (net.Error still asks).
func (noReplyError) Temporary() bool { return true }
