package redistest_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

func ctxT(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func client(t *testing.T, opts *goredis.Options) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestStandalonePing(t *testing.T) {
	srv := redistest.StartServer(t, nil)
	if !strings.HasPrefix(srv.Addr(), "127.0.0.1:") || srv.Port() == 0 || srv.PID() == 0 {
		t.Fatalf("Addr %q Port %d PID %d", srv.Addr(), srv.Port(), srv.PID())
	}
	if want := "redis://" + srv.Addr() + "/0"; srv.URL() != want {
		t.Fatalf("URL = %q, want %q", srv.URL(), want)
	}
	ctx := ctxT(t, 10*time.Second)
	c := client(t, &goredis.Options{Addr: srv.Addr()})
	if got, err := c.Ping(ctx).Result(); err != nil || got != "PONG" {
		t.Fatalf("PING = %q, %v", got, err)
	}
	// Persistence is off.
	cfg, err := c.ConfigGet(ctx, "appendonly").Result()
	if err != nil || cfg["appendonly"] != "no" {
		t.Fatalf("appendonly = %v, %v", cfg, err)
	}
	if cfg, err := c.ConfigGet(ctx, "save").Result(); err != nil || cfg["save"] != "" {
		t.Fatalf("save = %q, %v", cfg["save"], err)
	}
}

func TestKillRestartLosesData(t *testing.T) {
	srv := redistest.StartServer(t, nil)
	ctx := ctxT(t, 30*time.Second)
	c := client(t, &goredis.Options{Addr: srv.Addr(), MaxRetries: -1})
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	port, pid := srv.Port(), srv.PID()

	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	if srv.PID() != 0 {
		t.Fatalf("PID after Kill = %d, want 0", srv.PID())
	}
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING succeeded on a killed server")
	}
	if err := srv.Kill(); err != nil { // idempotent
		t.Fatalf("second Kill: %v", err)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if srv.Port() != port || srv.PID() == 0 || srv.PID() == pid {
		t.Fatalf("after Restart: port %d (was %d), pid %d (was %d)", srv.Port(), port, srv.PID(), pid)
	}
	if err := c.Get(ctx, "k").Err(); !errors.Is(err, goredis.Nil) {
		t.Fatalf("GET after restart = %v, want redis.Nil (data must not survive)", err)
	}
}

func TestStopAndRestartRunning(t *testing.T) {
	srv := redistest.StartServer(t, nil)
	ctx := ctxT(t, 30*time.Second)
	c := client(t, &goredis.Options{Addr: srv.Addr(), MaxRetries: -1})
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING succeeded on a stopped server")
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// Restart of a running server stops it first.
	pid := srv.PID()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if srv.PID() == pid {
		t.Fatal("Restart of a running server kept the same process")
	}
	if err := c.Get(ctx, "k").Err(); !errors.Is(err, goredis.Nil) {
		t.Fatalf("GET after stop+restart = %v, want redis.Nil", err)
	}
}

func TestPauseResume(t *testing.T) {
	srv := redistest.StartServer(t, nil)
	ctx := ctxT(t, 30*time.Second)
	c := client(t, &goredis.Options{Addr: srv.Addr(), MaxRetries: -1, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := c.Get(ctx, "k").Err()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("GET on a paused server = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("timeout took %s", d)
	}
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET after Resume = %q, %v", got, err)
	}
}

func TestKillWhilePaused(t *testing.T) {
	srv := redistest.StartServer(t, nil)
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Stop() }() // must resume it to let it act on SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Stop of a paused server hung")
	}
	if srv.PID() != 0 {
		t.Fatal("still running")
	}
}

func TestPassword(t *testing.T) {
	const pw = `s3cret "with" spaces\and\slashes`
	srv := redistest.StartServer(t, &redistest.Options{Password: pw})
	ctx := ctxT(t, 10*time.Second)

	err := client(t, &goredis.Options{Addr: srv.Addr()}).Ping(ctx).Err()
	if err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("PING without password = %v, want NOAUTH", err)
	}
	if err := client(t, &goredis.Options{Addr: srv.Addr(), Password: pw}).Ping(ctx).Err(); err != nil {
		t.Fatalf("PING with password: %v", err)
	}
	opts, err := goredis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	if err := client(t, opts).Ping(ctx).Err(); err != nil {
		t.Fatalf("PING via URL(): %v", err)
	}
	if strings.Contains(srv.RedactedURL(), "s3cret") || !strings.Contains(srv.RedactedURL(), "xxxxx") {
		t.Fatalf("RedactedURL leaks or lacks redaction: %s", srv.RedactedURL())
	}
}

func TestACLUsers(t *testing.T) {
	srv := redistest.StartServer(t, &redistest.Options{
		Password: "admin",
		Users: []redistest.User{
			{Name: "app", Password: "app pw", Rules: "on ~app:* +@all"},
			{Name: "all", Password: "x"},
		},
	})
	ctx := ctxT(t, 10*time.Second)
	opts, err := goredis.ParseURL(srv.UserURL("app"))
	if err != nil {
		t.Fatal(err)
	}
	if opts.Username != "app" || opts.Password != "app pw" {
		t.Fatalf("UserURL parsed to %q/%q", opts.Username, opts.Password)
	}
	app := client(t, opts)
	if err := app.Set(ctx, "app:1", "v", 0).Err(); err != nil {
		t.Fatalf("SET in the user's key space: %v", err)
	}
	if err := app.Set(ctx, "other:1", "v", 0).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Fatalf("SET outside the user's key space = %v, want NOPERM", err)
	}
	all := client(t, &goredis.Options{Addr: srv.Addr(), Username: "all", Password: "x"})
	if err := all.Set(ctx, "other:1", "v", 0).Err(); err != nil {
		t.Fatalf("user with default rules: %v", err)
	}
	bad := client(t, &goredis.Options{Addr: srv.Addr(), Username: "app", Password: "wrong"})
	if err := bad.Ping(ctx).Err(); err == nil {
		t.Fatal("wrong password accepted")
	}
}

func TestTLS(t *testing.T) {
	files := redistest.GenerateTLS(t, "")
	srv := redistest.StartServer(t, &redistest.Options{TLS: files.Options(), Password: "pw"})
	ctx := ctxT(t, 10*time.Second)
	if !strings.HasPrefix(srv.URL(), "rediss://:pw@127.0.0.1:") {
		t.Fatalf("URL = %s", srv.URL())
	}
	c := client(t, &goredis.Options{Addr: srv.Addr(), Password: "pw", TLSConfig: files.ClientConfig()})
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING over TLS: %v", err)
	}
	// localhost is in the certificate too.
	local := client(t, &goredis.Options{Addr: strings.Replace(srv.Addr(), "127.0.0.1", "localhost", 1), Password: "pw", TLSConfig: files.ClientConfig()})
	if err := local.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING over TLS via localhost: %v", err)
	}
	plain := client(t, &goredis.Options{Addr: srv.Addr(), Password: "pw", MaxRetries: -1, ReadTimeout: time.Second})
	if err := plain.Ping(ctx).Err(); err == nil {
		t.Fatal("plaintext PING succeeded on a TLS port")
	}
	noCert := files.ClientConfig()
	noCert.Certificates = nil
	anon := client(t, &goredis.Options{Addr: srv.Addr(), Password: "pw", TLSConfig: noCert, MaxRetries: -1})
	if err := anon.Ping(ctx).Err(); err == nil {
		t.Fatal("client without certificate accepted, though tls-auth-clients is yes")
	}
}

func TestTLSOptionalClientAuth(t *testing.T) {
	files := redistest.GenerateTLS(t, t.TempDir())
	opts := files.Options()
	opts.AuthClients = "optional"
	opts.ClientCertFile, opts.ClientKeyFile = "", ""
	srv := redistest.StartServer(t, &redistest.Options{TLS: opts})
	noCert := files.ClientConfig()
	noCert.Certificates = nil
	if err := client(t, &goredis.Options{Addr: srv.Addr(), TLSConfig: noCert}).Ping(ctxT(t, 10*time.Second)).Err(); err != nil {
		t.Fatalf("PING without client certificate, auth optional: %v", err)
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatalf("Restart with TLS: %v", err)
	}
}

func TestTLSNeedsClientCertificate(t *testing.T) {
	files := redistest.GenerateTLS(t, "")
	opts := files.Options()
	opts.ClientCertFile, opts.ClientKeyFile = "", ""
	_, err := redistest.NewServer(&redistest.Options{TLS: opts})
	if err == nil || !strings.Contains(err.Error(), "ClientCertFile") {
		t.Fatalf("err = %v, want a hint about ClientCertFile", err)
	}
}

func TestBadConfigReportsLog(t *testing.T) {
	_, err := redistest.NewServer(&redistest.Options{Config: []string{"no-such-directive yes"}, StartTimeout: 5 * time.Second})
	if err == nil {
		t.Fatal("server with a bad directive started")
	}
	if !strings.Contains(err.Error(), "no-such-directive") || !strings.Contains(err.Error(), "server log") {
		t.Fatalf("error does not show the server's complaint: %v", err)
	}
}

func TestExtraConfig(t *testing.T) {
	srv := redistest.StartServer(t, &redistest.Options{Config: []string{"maxmemory 10mb", "maxmemory-policy allkeys-lru"}})
	c := client(t, &goredis.Options{Addr: srv.Addr()})
	cfg, err := c.ConfigGet(ctxT(t, 10*time.Second), "maxmemory-policy").Result()
	if err != nil || cfg["maxmemory-policy"] != "allkeys-lru" {
		t.Fatalf("maxmemory-policy = %v, %v", cfg, err)
	}
}

func TestMissingRedisServer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(redistest.EnvURL, "")
	_, err := redistest.NewServer(nil)
	want := "redis-server not found: install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu), or set STRATA_TEST_REDIS_URL"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	ft := &fakeTB{}
	ft.run(func() { redistest.StartServer(ft, nil) })
	if !strings.Contains(ft.fatal, want) {
		t.Fatalf("StartServer did not Fatalf with the install hint; got %q", ft.fatal)
	}
}

// TestMissingRedisServerWithEnv: with STRATA_TEST_REDIS_URL set, a test that
// needs servers of its own (a Cluster, a Sentinel set-up, one to stop or pause)
// still needs redis-server, and the error says so instead of advising to set the
// variable that is set.
func TestMissingRedisServerWithEnv(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(redistest.EnvURL, "redis://127.0.0.1:1/0")
	want := "redis-server not found: this test starts Redis servers of its own (a Cluster, a Sentinel set-up, " +
		"or a server it stops, pauses or configures), which the one server in STRATA_TEST_REDIS_URL cannot stand in for: " +
		"install redis-server with `sudo apt-get install -y redis-server` (Debian/Ubuntu)"
	starts := map[string]func() error{
		"NewServer":   func() error { _, err := redistest.NewServer(nil); return err },
		"NewCluster":  func() error { _, err := redistest.NewCluster(nil); return err },
		"NewSentinel": func() error { _, err := redistest.NewSentinel(nil); return err },
	}
	for name, start := range starts {
		if err := start(); err == nil || err.Error() != want {
			t.Errorf("%s: err = %v, want %q", name, err, want)
		}
	}
	var shared redistest.Shared // nothing starts: no Close
	ft := &fakeTB{}
	ft.run(func() { shared.Cluster(ft) })
	if ft.fatal != want {
		t.Errorf("Shared.Cluster: Fatalf(%q), want %q", ft.fatal, want)
	}
	if got := shared.URL(ft); got != "redis://127.0.0.1:1/0" {
		t.Errorf("Shared.URL = %q, want %s's", got, redistest.EnvURL)
	}
}

// fakeTB records Fatalf and stops the function like testing.T would.
type fakeTB struct {
	fatal    string
	cleanups []func()
}

func (f *fakeTB) Helper()             {}
func (f *fakeTB) Logf(string, ...any) {}
func (f *fakeTB) Cleanup(fn func())   { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	panic(f)
}

// run calls fn, catching fakeTB's Fatalf panic, then runs the cleanups.
func (f *fakeTB) run(fn func()) {
	defer func() {
		if r := recover(); r != nil && r != any(f) {
			panic(r)
		}
		for i := len(f.cleanups) - 1; i >= 0; i-- {
			f.cleanups[i]()
		}
	}()
	fn()
}

// Restart waits for a port that is briefly held by another process.
func TestRestartWaitsForBusyPort(t *testing.T) {
	srv := redistest.StartServer(t, nil)
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(500*time.Millisecond, func() { l.Close() })
	start := time.Now()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Fatalf("Restart succeeded after %s while the port was taken", d)
	}
}
