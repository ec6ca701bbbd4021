package redis

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

// stderrChildEnv makes TestNothingOnStderr run its scenario instead of watching it.
const stderrChildEnv = "STRATA_TEST_STDERR_CHILD"

// TestNothingOnStderr runs an outage and a Close under load in a fresh process
// (go-redis's logger is process-wide) and checks that nothing reached stderr, and
// that go-redis's lines went to the adapter's Logger instead.
func TestNothingOnStderr(t *testing.T) {
	if os.Getenv(stderrChildEnv) != "" {
		stderrScenario(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestNothingOnStderr$", "-test.count", "1", "-test.v")
	cmd.Env = append(os.Environ(), stderrChildEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the scenario failed: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if stderr.Len() > 0 {
		t.Fatalf("the scenario wrote to stderr:\n%s", stderr.String())
	}
	if !strings.Contains(stdout.String(), "logger got go-redis lines") {
		t.Fatalf("go-redis's lines did not reach the adapter's Logger:\n%s", stdout.String())
	}
}

func stderrScenario(t *testing.T) {
	srv := redistest.StartServer(t, &redistest.Options{Password: "s3cret-pw"})
	var logged syncBuffer
	logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg, err := ParseURL(srv.URL() + "?autopipeline=true")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Options.Logger = logger
	ctx := context.Background()
	a, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}

	// Close under load.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 64 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = a.Get(ctx, "k")
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	_ = a.Close()
	close(stop)
	wg.Wait()

	// An outage: every call dials a dead server.
	b, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		_, _ = b.Get(cctx, "k")
		cancel()
	}
	out := logged.String()
	if strings.Contains(out, "s3cret-pw") {
		t.Fatalf("the log shows the password:\n%s", out)
	}
	if strings.Contains(out, "go-redis:") {
		t.Log("logger got go-redis lines")
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
