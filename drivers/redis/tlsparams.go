package redis

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/stratacache/strata/registry"
)

// Strata's TLS parameters, for the rediss schemes only. go-redis's URL parsers know
// only skip_verify.
const (
	paramTLSCAFile     = "tls_ca_file"
	paramTLSCertFile   = "tls_cert_file"
	paramTLSKeyFile    = "tls_key_file"
	paramTLSServerName = "tls_server_name"
)

var tlsParamNames = []string{paramTLSCAFile, paramTLSCertFile, paramTLSKeyFile, paramTLSServerName}

// tlsParams are the TLS parameters of a URL, as given.
type tlsParams struct {
	caFile, certFile, keyFile, serverName string
	given                                 []string // the names present, in tlsParamNames order
}

// readTLSParams takes the TLS parameters from p and checks them without reading
// any file: they need a rediss scheme, non-empty values, and the certificate and
// key together.
func readTLSParams(p *registry.Params, own url.Values, scheme string, tlsScheme bool) (tlsParams, error) {
	t := tlsParams{
		caFile:     p.String(paramTLSCAFile, ""),
		certFile:   p.String(paramTLSCertFile, ""),
		keyFile:    p.String(paramTLSKeyFile, ""),
		serverName: p.String(paramTLSServerName, ""),
	}
	for _, name := range tlsParamNames {
		if own.Has(name) {
			t.given = append(t.given, name)
		}
	}
	if len(t.given) == 0 {
		return t, nil
	}
	if !tlsScheme {
		return t, fmt.Errorf("URL parameter %s needs TLS: use rediss%s:// instead of %s://",
			strings.Join(t.given, ", "), strings.TrimPrefix(strings.ToLower(scheme), "redis"), scheme)
	}
	for _, name := range t.given {
		if own.Get(name) == "" {
			return t, fmt.Errorf("URL parameter %s is empty: give it a value or leave it out", name)
		}
	}
	if (t.certFile == "") != (t.keyFile == "") {
		return t, fmt.Errorf("URL parameters %s and %s go together: the client certificate and its private key",
			paramTLSCertFile, paramTLSKeyFile)
	}
	return t, nil
}

// apply reads the files and sets up tc, the TLS configuration go-redis's parser made
// for a rediss scheme. With perNode (Cluster, Sentinel) and no tls_server_name, it
// clears the ServerName go-redis takes from the first host: crypto/tls then
// verifies each connection against the host it dials (go-redis v9 dials every node,
// sentinel and master with the one TLSConfig, through tls.DialWithDialer).
func (t tlsParams) apply(tc *tls.Config, perNode bool) error {
	if tc == nil {
		return nil // not a rediss scheme; readTLSParams refused the parameters
	}
	if tc.InsecureSkipVerify && (t.caFile != "" || t.serverName != "") {
		return fmt.Errorf("skip_verify=true turns off the server verification that %s and %s configure: drop one or the other",
			paramTLSCAFile, paramTLSServerName)
	}
	if t.caFile != "" {
		pem, err := os.ReadFile(t.caFile)
		if err != nil {
			return fmt.Errorf("URL parameter %s: %w", paramTLSCAFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("URL parameter %s: no PEM certificate in %s", paramTLSCAFile, t.caFile)
		}
		tc.RootCAs = pool
	}
	if t.certFile != "" {
		certPEM, err := os.ReadFile(t.certFile)
		if err != nil {
			return fmt.Errorf("URL parameter %s: %w", paramTLSCertFile, err)
		}
		keyPEM, err := os.ReadFile(t.keyFile)
		if err != nil {
			return fmt.Errorf("URL parameter %s: %w", paramTLSKeyFile, err)
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return fmt.Errorf("URL parameters %s=%s and %s=%s: %w", paramTLSCertFile, t.certFile, paramTLSKeyFile, t.keyFile, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	switch {
	case t.serverName != "":
		tc.ServerName = t.serverName
	case perNode:
		tc.ServerName = ""
	}
	return nil
}

// tlsConfig is the TLS configuration of cfg's topology, nil without TLS.
func (c *Config) tlsConfig() *tls.Config {
	switch {
	case c.Standalone != nil:
		return c.Standalone.TLSConfig
	case c.Cluster != nil:
		return c.Cluster.TLSConfig
	case c.Sentinel != nil:
		return c.Sentinel.TLSConfig
	}
	return nil
}
