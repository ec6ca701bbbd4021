package redis

import (
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

func TestRedissURL(t *testing.T) {
	ctx := ctxT(t)
	files := redistest.GenerateTLS(t, "")
	opts := files.Options()
	opts.AuthClients = "no"
	srv := redistest.StartServer(t, &redistest.Options{TLS: opts, Password: "tls-s3cret"})
	raw := srv.URL() // rediss://:password@127.0.0.1:port/0
	if !strings.HasPrefix(raw, "rediss://") {
		t.Fatalf("URL %s", srv.RedactedURL())
	}

	// The server's certificate is signed by a CA the system does not trust.
	_, err := Open(ctx, raw)
	if err == nil {
		t.Fatal("Open trusted an unknown CA")
	}
	if strings.Contains(err.Error(), "tls-s3cret") {
		t.Errorf("error leaks the password: %v", err)
	}

	// With the CA in the config it works...
	cfg, err := ParseURL(withParams(raw, "prefix="+redistest.RandomPrefix()))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Standalone.TLSConfig.RootCAs = files.ClientConfig().RootCAs
	a, err := OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Set(ctx, "k", []byte("over TLS"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, err := a.Get(ctx, "k"); err != nil || string(v) != "over TLS" {
		t.Fatalf("Get = %q, %v", v, err)
	}

	// ...and so does skip_verify=true, for tests.
	b, err := Open(ctx, withParams(raw, "skip_verify=true"))
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Close()
}
