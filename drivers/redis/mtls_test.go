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
	"github.com/stratacache/strata/registry"
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
// yes). The URL carries the CA and the client certificate (tls_ca_file,
// tls_cert_file, tls_key_file), so registry.Open works; without the client
// certificate the server refuses us, and with another CA's file we refuse the
// server. The certificate can also go in through Config (ParseURL, adjust
// TLSConfig, Open) or a client the caller builds for New. A client
// certificate from another CA is refused.
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
	other := redistest.GenerateTLS(t, "")

	t.Run("URL with CA and client certificate", func(t *testing.T) {
		a, err := registry.Open(ctx, withParams(raw, clientParams(files)))
		if err != nil {
			t.Fatalf("registry.Open with tls_ca_file, tls_cert_file and tls_key_file: %v", err)
		}
		defer a.Close()
		roundTrip(ctx, t, a)
	})

	t.Run("URL without client certificate", func(t *testing.T) {
		// The server is verified (tls_ca_file), but it wants our certificate.
		a, err := registry.Open(ctx, withParams(raw, caParams(files)+"&open_timeout=5s"))
		if err == nil {
			_ = a.Close()
			t.Fatal("Open without a client certificate succeeded against tls-auth-clients yes")
		}
		if isCertError(err) || !strings.Contains(err.Error(), "remote error: tls:") {
			t.Errorf("want the server to refuse us (a TLS alert), not a server verification error: %v", err)
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("error leaks the password: %v", err)
		}
		t.Logf("no client certificate: %v", err)
		// skip_verify only relaxes the server check: the server still wants
		// our certificate.
		if a, err := OpenURL(ctx, withParams(raw, "skip_verify=true&open_timeout=5s")); err == nil {
			_ = a.Close()
			t.Fatal("Open with skip_verify and without a client certificate succeeded")
		}
	})

	t.Run("URL with another CA file", func(t *testing.T) {
		q := tlsQuery(paramTLSCAFile, other.CAFile, paramTLSCertFile, files.ClientCertFile, paramTLSKeyFile, files.ClientKeyFile)
		a, err := registry.Open(ctx, withParams(raw, q+"&open_timeout=5s"))
		if err == nil {
			_ = a.Close()
			t.Fatal("a server certificate from a CA outside tls_ca_file was accepted")
		}
		if !isCertError(err) {
			t.Errorf("want a certificate verification error, got %v", err)
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("error leaks the password: %v", err)
		}
		t.Logf("CA file of another CA: %v", err)
	})

	t.Run("URL with a client certificate from another CA", func(t *testing.T) {
		q := tlsQuery(paramTLSCAFile, files.CAFile, paramTLSCertFile, other.ClientCertFile, paramTLSKeyFile, other.ClientKeyFile)
		if a, err := registry.Open(ctx, withParams(raw, q+"&open_timeout=5s")); err == nil {
			_ = a.Close()
			t.Fatal("a client certificate from an unknown CA was accepted")
		} else if isCertError(err) || !strings.Contains(err.Error(), "remote error: tls:") {
			t.Errorf("want the server to refuse us (a TLS alert), not a server verification error: %v", err)
		}
	})

	t.Run("URL with a certificate but no key", func(t *testing.T) {
		q := tlsQuery(paramTLSCAFile, files.CAFile, paramTLSCertFile, files.ClientCertFile)
		if a, err := registry.Open(ctx, withParams(raw, q)); err == nil {
			_ = a.Close()
			t.Fatal("tls_cert_file without tls_key_file was accepted")
		} else if !strings.Contains(err.Error(), paramTLSKeyFile) || !strings.Contains(err.Error(), "go together") ||
			strings.Contains(err.Error(), password) {
			t.Errorf("want a parse error naming %s, without the password: %v", paramTLSKeyFile, err)
		}
	})

	t.Run("TLS parameters on redis://", func(t *testing.T) {
		plain := "redis" + strings.TrimPrefix(raw, "rediss")
		if a, err := registry.Open(ctx, withParams(plain, clientParams(files))); err == nil {
			_ = a.Close()
			t.Fatal("redis:// with tls_* parameters was accepted")
		} else if !strings.Contains(err.Error(), "rediss://") || strings.Contains(err.Error(), password) {
			t.Errorf("want an error pointing to rediss://, without the password: %v", err)
		}
	})

	t.Run("Config with client certificate", func(t *testing.T) {
		cfg, err := ParseURL(raw)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Standalone.TLSConfig == nil || cfg.Standalone.TLSConfig.InsecureSkipVerify {
			t.Fatalf("rediss:// gave TLSConfig %+v", cfg.Standalone.TLSConfig)
		}
		withClientCert(cfg.Standalone.TLSConfig, files, good)
		a, err := Open(ctx, cfg)
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

	t.Run("Config with a certificate from another CA", func(t *testing.T) {
		cfg, err := ParseURL(withParams(raw, "open_timeout=5s"))
		if err != nil {
			t.Fatal(err)
		}
		withClientCert(cfg.Standalone.TLSConfig, files, other.ClientConfig().Certificates[0])
		a, err := Open(ctx, cfg)
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
// TLSConfig serves every node the client discovers, each verified against its
// own address (the URL parser clears the ServerName go-redis takes from the
// first host).
func TestMutualTLSCluster(t *testing.T) {
	ctx := ctxT(t)
	files := redistest.GenerateTLS(t, "")
	cl := redistest.StartCluster(t, &redistest.ClusterOptions{TLS: files.Options(), Password: "cl-pw"})
	raw := withParams(cl.URL(), "prefix="+redistest.RandomPrefix())
	if !strings.HasPrefix(raw, "rediss+cluster://") {
		t.Fatalf("URL %s", cl.RedactedURL())
	}
	for _, q := range []string{"skip_verify=true", caParams(files)} {
		if a, err := OpenURL(ctx, withParams(raw, q+"&open_timeout=5s")); err == nil {
			_ = a.Close()
			t.Fatalf("Open with %s and without a client certificate succeeded", q)
		} else if strings.Contains(err.Error(), "cl-pw") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
	other := redistest.GenerateTLS(t, "")
	q := tlsQuery(paramTLSCAFile, other.CAFile, paramTLSCertFile, files.ClientCertFile, paramTLSKeyFile, files.ClientKeyFile)
	if a, err := OpenURL(ctx, withParams(raw, q+"&open_timeout=5s")); err == nil {
		_ = a.Close()
		t.Fatal("a cluster whose certificates are from a CA outside tls_ca_file was accepted")
	} else if !isCertError(err) {
		t.Errorf("want a certificate verification error, got %v", err)
	}

	// The programmatic route still works.
	cfg, err := ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	withClientCert(cfg.Cluster.TLSConfig, files, files.ClientConfig().Certificates[0])
	b, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(ctx, t, b)
	_ = b.Close()

	opened, err := registry.Open(ctx, withParams(raw, clientParams(files)))
	if err != nil {
		t.Fatalf("registry.Open with tls_ca_file, tls_cert_file and tls_key_file: %v", err)
	}
	defer opened.Close()
	a, ok := opened.(*Adapter)
	if !ok {
		t.Fatalf("registry.Open returned %T", opened)
	}
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
	if err := a.Clear(ctx, ""); err != nil {
		t.Fatal(err)
	}
}
