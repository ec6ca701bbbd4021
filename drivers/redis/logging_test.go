package redis

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
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
