package redis

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

// TestLoggerRedactsPasswords: whatever carries a password to the adapter's
// Logger (a message, a string, an error, a group, a logger's own attributes), the
// handler never sees it, and short words are not garbled.
func TestLoggerRedactsPasswords(t *testing.T) {
	const pw = "hunter2/Zz#?"
	var out syncBuffer
	l := redacted(slog.New(slog.NewTextHandler(&out, nil)), pw, "ab")
	l = l.With("url", "redis://:"+pw+"@host:6379")
	l.Info("dial failed for "+pw, "err", errors.New("auth "+pw+" refused"),
		slog.Group("g", "secret", pw), "about", "abbey road")
	got := out.String()
	if strings.Contains(got, "hunter2") {
		t.Fatalf("the log shows the password: %s", got)
	}
	if !strings.Contains(got, "abbey road") {
		t.Fatalf("a 2-byte secret garbled ordinary text: %s", got)
	}
	if strings.Count(got, "xxxxx") != 4 {
		t.Fatalf("want 4 redactions: %s", got)
	}
}

// TestSubscriptionEventsAreLogged: the adapter's Logger says when invalidations
// stop arriving and when they arrive again.
func TestSubscriptionEventsAreLogged(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.StartServer(t, nil)
	var out syncBuffer
	a := newTestAdapter(t, client(t, srv.URL()), Options{Logger: slog.New(slog.NewTextHandler(&out, nil))})
	stop, err := a.Subscribe(ctx, func([]string) {}, func() {})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "a warning that the subscription was lost", func() bool {
		return strings.Contains(out.String(), "level=WARN") && strings.Contains(out.String(), "subscription lost")
	})
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "a note that the subscription is back", func() bool {
		return strings.Contains(out.String(), "subscription restored")
	})
}
