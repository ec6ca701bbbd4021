package layered

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

// TestLoggerSeesOutageAndRecovery: an operator reading the adapter's Logger learns
// that L1 was bypassed because Redis went away, and that it is served again.
func TestLoggerSeesOutageAndRecovery(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.StartServer(t, nil)
	var out lockedBuffer
	a, _ := overRedis(t, srv.URL(), redistest.RandomPrefix(), &Options{
		Logger: slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}, "max_retries=-1")
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	_, _ = a.Get(ctx, "k")
	eventually(t, 10*time.Second, "a warning that L1 is bypassed", func() bool {
		return strings.Contains(out.String(), "level=WARN") && strings.Contains(out.String(), "L1 is bypassed")
	})
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "a note that L1 is served again", func() bool {
		return strings.Contains(out.String(), "level=INFO") && strings.Contains(out.String(), "L1 is served")
	})
}

// lockedBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }
