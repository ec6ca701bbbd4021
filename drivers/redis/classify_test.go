package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// TestOutagesAreUnavailableAndRepliesAreNot checks the line between an outage
// (adapter.ErrUnavailable: a layer above may fall back) and a reply about the
// request, which must never look like an outage: a WRONGTYPE key, an ACL refusal
// and a bad expire time are that one call's answer.
func TestOutagesAreUnavailableAndRepliesAreNot(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.StartServer(t, &redistest.Options{
		Users: []redistest.User{{Name: "ro", Password: "ro-pw-1", Rules: "on ~* &* +@read +ping"}},
	})
	a := newTestAdapter(t, client(t, srv.URL()), Options{})
	raw := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = raw.Close() })

	if err := raw.LPush(ctx, a.prefix+"list", "x").Err(); err != nil {
		t.Fatal(err)
	}
	_, err := a.Get(ctx, "list")
	assertReply(t, "GET of a list (WRONGTYPE)", err)

	ro := newTestAdapter(t, client(t, srv.UserURL("ro")), Options{Prefix: a.prefix})
	err = ro.Set(ctx, "k", []byte("v"), time.Minute)
	assertReply(t, "SET by a read-only ACL user (NOPERM)", err)

	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err = a.Get(dctx, "k")
	if !errors.Is(err, adapter.ErrUnavailable) {
		t.Fatalf("GET on a killed server: %v; want it to wrap adapter.ErrUnavailable", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("GET on a killed server reported the caller's deadline, which had not passed: %v", err)
	}
}

func assertReply(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	if errors.Is(err, adapter.ErrUnavailable) || errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("%s: %v; a reply about the request is neither an outage nor a miss", what, err)
	}
}

// TestCallerDeadlineIsNotAnOutage: a call that ran out of its caller's time says
// so, and does not claim the backend is down.
func TestCallerDeadlineIsNotAnOutage(t *testing.T) {
	srv := redistest.StartServer(t, nil)
	a := newTestAdapter(t, client(t, srv.URL()), Options{})
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Resume() })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := a.Get(ctx, "k")
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, adapter.ErrUnavailable) {
		t.Fatalf("GET on a paused server past the caller's deadline: %v; want DeadlineExceeded only", err)
	}
}
