package redis

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// withClientCert sets tc to trust files' CA and present cert, keeping the
// ServerName the URL parser chose.
func withClientCert(tc *tls.Config, files redistest.TLSFiles, cert tls.Certificate) {
	tc.RootCAs = files.ClientConfig().RootCAs
	tc.Certificates = []tls.Certificate{cert}
}

func roundTrip(ctx context.Context, t *testing.T, a adapter.Adapter) {
	t.Helper()
	if err := a.Set(ctx, "k", []byte("over mTLS"), time.Minute); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if v, err := a.Get(ctx, "k"); err != nil || string(v) != "over mTLS" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if all, err := a.Remove(ctx, "k"); err != nil || !all {
		t.Fatalf("Remove = %v, %v", all, err)
	}
}

// TestMutualTLS: a server that requires client certificates (tls-auth-clients
// yes). A rediss:// URL alone cannot carry a client certificate, so Open
// fails; the certificate goes in through URLConfig (ParseURL, adjust
// TLSConfig, OpenConfig) or a client the caller builds for New. A certificate
// from another CA is refused.
func TestMutualTLS(t *testing.T) {
	ctx := ctxT(t)
	const password = "mtls-s3cret"
	files := redistest.GenerateTLS(t, "")
	opts := files.Options()
	opts.AuthClients = "yes"
	srv := redistest.StartServer(t, &redistest.Options{TLS: opts, Password: password})
	raw := withParams(srv.URL(), "prefix="+redistest.RandomPrefix())
	if !strings.HasPrefix(raw, "rediss://") {
		t.Fatalf("URL %s", srv.RedactedURL())
	}
	good := files.ClientConfig().Certificates[0]

	t.Run("URL without client certificate", func(t *testing.T) {
		// skip_verify only relaxes the server check: the server still wants
		// our certificate.
		a, err := Open(ctx, withParams(raw, "skip_verify=true&open_timeout=5s"))
		if err == nil {
			_ = a.Close()
			t.Fatal("Open without a client certificate succeeded against tls-auth-clients yes")
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("error leaks the password: %v", err)
		}
		t.Logf("no client certificate: %v", err)
	})

	t.Run("URLConfig with client certificate", func(t *testing.T) {
		cfg, err := ParseURL(raw)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Standalone.TLSConfig == nil || cfg.Standalone.TLSConfig.InsecureSkipVerify {
			t.Fatalf("rediss:// gave TLSConfig %+v", cfg.Standalone.TLSConfig)
		}
		withClientCert(cfg.Standalone.TLSConfig, files, good)
		a, err := OpenConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		roundTrip(ctx, t, a)
		if err := a.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("New with the caller's client", func(t *testing.T) {
		rdb := goredis.NewClient(&goredis.Options{
			Addr: srv.Addr(), Password: password, TLSConfig: files.ClientConfig(), ContextTimeoutEnabled: true,
		})
		defer rdb.Close()
		a := newTestAdapter(t, rdb, Options{})
		if err := a.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		roundTrip(ctx, t, a)
	})

	t.Run("certificate from another CA", func(t *testing.T) {
		other := redistest.GenerateTLS(t, "")
		cfg, err := ParseURL(withParams(raw, "open_timeout=5s"))
		if err != nil {
			t.Fatal(err)
		}
		withClientCert(cfg.Standalone.TLSConfig, files, other.ClientConfig().Certificates[0])
		a, err := OpenConfig(ctx, cfg)
		if err == nil {
			_ = a.Close()
			t.Fatal("a client certificate from an unknown CA was accepted")
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("error leaks the password: %v", err)
		}
		t.Logf("foreign client certificate: %v", err)
	})
}

// TestMutualTLSCluster: the same through rediss+cluster://, where the one
// TLSConfig serves every node the client discovers.
func TestMutualTLSCluster(t *testing.T) {
	ctx := ctxT(t)
	files := redistest.GenerateTLS(t, "")
	cl := redistest.StartCluster(t, &redistest.ClusterOptions{TLS: files.Options(), Password: "cl-pw"})
	raw := withParams(cl.URL(), "prefix="+redistest.RandomPrefix())
	if !strings.HasPrefix(raw, "rediss+cluster://") {
		t.Fatalf("URL %s", cl.RedactedURL())
	}
	if a, err := Open(ctx, withParams(raw, "skip_verify=true&open_timeout=5s")); err == nil {
		_ = a.Close()
		t.Fatal("Open without a client certificate succeeded")
	} else if strings.Contains(err.Error(), "cl-pw") {
		t.Errorf("error leaks the password: %v", err)
	}
	cfg, err := ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	withClientCert(cfg.Cluster.TLSConfig, files, files.ClientConfig().Certificates[0])
	a, err := OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	roundTrip(ctx, t, a)
	items := map[string][]byte{}
	var keys []string
	for i := range 50 {
		k := fmt.Sprintf("k%d", i)
		items[k], keys = []byte(k), append(keys, k)
	}
	if err := a.SetMany(ctx, items, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, err := a.GetMany(ctx, keys); err != nil || len(got) != len(keys) {
		t.Fatalf("GetMany over mTLS across slots = %d keys, %v", len(got), err)
	}
	if err := a.Clear(ctx); err != nil {
		t.Fatal(err)
	}
}
