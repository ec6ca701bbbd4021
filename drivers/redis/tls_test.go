package redis

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/registry"
)

// tlsQuery renders TLS parameters as a query, escaping the file paths.
func tlsQuery(kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return q.Encode()
}

// caParams trusts files' CA; clientParams adds its client certificate.
func caParams(files redistest.TLSFiles) string { return tlsQuery(paramTLSCAFile, files.CAFile) }

func clientParams(files redistest.TLSFiles) string {
	return tlsQuery(paramTLSCAFile, files.CAFile, paramTLSCertFile, files.ClientCertFile, paramTLSKeyFile, files.ClientKeyFile)
}

// isCertError reports whether err comes from verifying the server's certificate.
func isCertError(err error) bool {
	var verr *tls.CertificateVerificationError
	var uerr x509.UnknownAuthorityError
	var herr x509.HostnameError
	return errors.As(err, &verr) || errors.As(err, &uerr) || errors.As(err, &herr)
}

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
	_, err := OpenURL(ctx, raw)
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
	a, err := Open(ctx, cfg)
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
	b, err := OpenURL(ctx, withParams(raw, "skip_verify=true"))
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Close()

	// tls_ca_file= puts the CA in from the URL alone, through the registry.
	prefix := "prefix=" + redistest.RandomPrefix()
	c, err := registry.Open(ctx, withParams(raw, prefix+"&"+caParams(files)))
	if err != nil {
		t.Fatalf("registry.Open with %s: %v", paramTLSCAFile, err)
	}
	defer c.Close()
	roundTrip(ctx, t, c)

	// tls_server_name= is the name verified: the certificate is valid for
	// localhost (while the URL dials 127.0.0.1), not for cache.example.
	d, err := OpenURL(ctx, withParams(raw, caParams(files)+"&"+tlsQuery(paramTLSServerName, "localhost")))
	if err != nil {
		t.Fatalf("tls_server_name=localhost: %v", err)
	}
	_ = d.Close()
	_, err = OpenURL(ctx, withParams(raw, caParams(files)+"&"+tlsQuery(paramTLSServerName, "cache.example")+"&open_timeout=5s"))
	if err == nil {
		t.Fatal("tls_server_name=cache.example accepted a certificate for 127.0.0.1 and localhost")
	}
	if !isCertError(err) || !strings.Contains(err.Error(), "cache.example") {
		t.Errorf("tls_server_name=cache.example: want a hostname verification error, got %v", err)
	}
	if strings.Contains(err.Error(), "tls-s3cret") {
		t.Errorf("error leaks the password: %v", err)
	}
}

// TestParseURLTLSParams: the tls_* parameters without a server.
func TestParseURLTLSParams(t *testing.T) {
	files := redistest.GenerateTLS(t, "")
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("just text\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing-ca.pem")

	cfg, err := ParseURL("rediss://:s3cret@cache.internal:6380/0?" + clientParams(files))
	if err != nil {
		t.Fatal(err)
	}
	tc := cfg.Standalone.TLSConfig
	if tc.RootCAs == nil || !tc.RootCAs.Equal(files.ClientConfig().RootCAs) {
		t.Error("tls_ca_file did not set RootCAs to the file's CA")
	}
	if len(tc.Certificates) != 1 || !tc.Certificates[0].Leaf.Equal(files.ClientConfig().Certificates[0].Leaf) {
		t.Errorf("tls_cert_file/tls_key_file gave %d certificates, not the client certificate", len(tc.Certificates))
	}
	if tc.ServerName != "cache.internal" || tc.InsecureSkipVerify {
		t.Errorf("rediss:// ServerName %q, InsecureSkipVerify %v", tc.ServerName, tc.InsecureSkipVerify)
	}

	// ServerName: standalone keeps the host, cluster and sentinel verify each
	// dialled address unless tls_server_name says otherwise.
	for raw, want := range map[string]string{
		"rediss://h1:6379/0": "h1",
		"rediss://h1:6379/0?tls_server_name=cache.example":    "cache.example",
		"rediss+cluster://h1:7000,h2:7001":                    "",
		"rediss+cluster://h1:7000,h2:7001?tls_server_name=cl": "cl",
		"rediss+sentinel://s1,s2/mymaster":                    "",
		"rediss+sentinel://s1,s2/mymaster?tls_server_name=m":  "m",
	} {
		cfg, err := ParseURL(raw)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", raw, err)
			continue
		}
		if tc := cfg.tlsConfig(); tc == nil {
			t.Errorf("ParseURL(%q): no TLSConfig", raw)
		} else if tc.ServerName != want {
			t.Errorf("ParseURL(%q): ServerName %q, want %q", raw, tc.ServerName, want)
		}
	}
	// The parameters reach the cluster's and the sentinel's TLSConfig too.
	for _, raw := range []string{"rediss+cluster://h1:7000,h2:7001?", "rediss+sentinel://s1/mymaster?"} {
		cfg, err := ParseURL(raw + clientParams(files))
		if err != nil {
			t.Fatal(err)
		}
		if tc := cfg.tlsConfig(); tc.RootCAs == nil || len(tc.Certificates) != 1 {
			t.Errorf("%s: RootCAs %v, %d certificates", raw, tc.RootCAs != nil, len(tc.Certificates))
		}
	}
	// skip_verify without a CA still works with a client certificate.
	cfg, err = ParseURL("rediss+cluster://h1:7000?skip_verify=true&" +
		tlsQuery(paramTLSCertFile, files.ClientCertFile, paramTLSKeyFile, files.ClientKeyFile))
	if err != nil || !cfg.Cluster.TLSConfig.InsecureSkipVerify || len(cfg.Cluster.TLSConfig.Certificates) != 1 {
		t.Errorf("skip_verify with a client certificate: %v", err)
	}

	// Errors name the problem (and the file), never the password.
	cert, key := files.ClientCertFile, files.ClientKeyFile
	cases := map[string][]string{
		"redis://:s3cret@h/0?" + caParams(files):                                                   {"rediss://", paramTLSCAFile},
		"redis+cluster://:s3cret@h1:7000?" + tlsQuery(paramTLSServerName, "x"):                     {"rediss+cluster://", paramTLSServerName},
		"redis+sentinel://:s3cret@s1/m?" + clientParams(files):                                     {"rediss+sentinel://", paramTLSCertFile},
		"rediss://:s3cret@h/0?" + tlsQuery(paramTLSCertFile, cert):                                 {paramTLSKeyFile, "go together"},
		"rediss://:s3cret@h/0?" + tlsQuery(paramTLSKeyFile, key):                                   {paramTLSCertFile, "go together"},
		"rediss://:s3cret@h/0?" + tlsQuery(paramTLSCAFile, missing):                                {paramTLSCAFile, missing},
		"rediss://:s3cret@h/0?" + tlsQuery(paramTLSCAFile, notPEM):                                 {paramTLSCAFile, notPEM, "no PEM certificate"},
		"rediss://:s3cret@h/0?" + tlsQuery(paramTLSCAFile, files.ClientKeyFile):                    {paramTLSCAFile, files.ClientKeyFile},
		"rediss://:s3cret@h/0?" + tlsQuery(paramTLSCertFile, missing, paramTLSKeyFile, key):        {paramTLSCertFile, missing},
		"rediss://:s3cret@h/0?" + tlsQuery(paramTLSCertFile, cert, paramTLSKeyFile, missing):       {paramTLSKeyFile, missing},
		"rediss://:s3cret@h/0?" + tlsQuery(paramTLSCertFile, cert, paramTLSKeyFile, files.KeyFile): {paramTLSCertFile, "private key does not match"},
		"rediss://:s3cret@h/0?" + tlsQuery(paramTLSCertFile, cert, paramTLSKeyFile, cert):          {paramTLSKeyFile, cert},
		"rediss://:s3cret@h/0?" + tlsQuery(paramTLSCAFile, ""):                                     {paramTLSCAFile, "empty"},
		"rediss://:s3cret@h/0?skip_verify=true&" + caParams(files):                                 {"skip_verify", paramTLSCAFile},
		"rediss+cluster://:s3cret@h1:7000?skip_verify=true&tls_server_name=x":                      {"skip_verify", paramTLSServerName},
		"rediss://:s3cret@h/0?" + caParams(files) + "&" + caParams(files):                          {paramTLSCAFile, "2 times"},
	}
	for raw, wants := range cases {
		_, err := ParseURL(raw)
		if err == nil {
			t.Errorf("ParseURL(%q) succeeded", raw)
			continue
		}
		for _, want := range wants {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("ParseURL(%q) = %v; want it to mention %q", raw, err, want)
			}
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseURL(%q) leaks the password: %v", raw, err)
		}
	}
	// The registry route reports the same parse errors.
	if _, err := registry.Open(t.Context(), "rediss://:s3cret@h/0?"+tlsQuery(paramTLSCertFile, cert)); err == nil ||
		!strings.Contains(err.Error(), "go together") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("registry.Open with tls_cert_file only: %v", err)
	}
}
