package redistest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// TLSFiles are PEM files made by GenerateTLS or WriteTLSFiles: a throwaway
// CA, a server certificate for 127.0.0.1, ::1 and localhost, and a client
// certificate, all signed by that CA. They are generated in Go, so tests do
// not need openssl.
type TLSFiles struct {
	// Dir is the directory holding the files.
	Dir string
	// CAFile is ca.crt, the CA that signed both certificates.
	CAFile string
	// CertFile and KeyFile are server.crt and server.key. The certificate
	// is also valid for client authentication, because Redis presents it
	// on replication and cluster-bus links.
	CertFile, KeyFile string
	// ClientCertFile and ClientKeyFile are client.crt and client.key.
	ClientCertFile, ClientKeyFile string

	caPEM, clientCertPEM, clientKeyPEM []byte
}

// GenerateTLS writes fresh TLS files for the test into dir, or into a
// temporary directory removed at the end of the test when dir is "". It
// calls t.Fatalf on error.
func GenerateTLS(t TB, dir string) TLSFiles {
	t.Helper()
	if dir == "" {
		d, err := os.MkdirTemp("", "redistest-tls-")
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		dir = d
	}
	f, err := WriteTLSFiles(dir)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return f
}

// WriteTLSFiles is GenerateTLS without a test: it writes the files into dir
// (created if needed; a new temporary directory when dir is "", which the
// caller then removes).
func WriteTLSFiles(dir string) (TLSFiles, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "redistest-tls-")
		if err != nil {
			return TLSFiles{}, fmt.Errorf("redistest: %w", err)
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return TLSFiles{}, fmt.Errorf("redistest: %w", err)
	}
	f, err := generateTLS(dir)
	if err != nil {
		return TLSFiles{}, fmt.Errorf("redistest: generate TLS files: %w", err)
	}
	return f, nil
}

// Options returns TLSOptions serving f's server certificate, verifying
// clients against f's CA (tls-auth-clients yes, Redis' default), with f's
// client certificate for this package's own connections. Set AuthClients on
// the result to "no" or "optional" to relax client authentication.
func (f TLSFiles) Options() *TLSOptions {
	return &TLSOptions{
		CertFile: f.CertFile, KeyFile: f.KeyFile, CAFile: f.CAFile,
		ClientCertFile: f.ClientCertFile, ClientKeyFile: f.ClientKeyFile,
	}
}

// ClientConfig returns a new client *tls.Config that trusts f's CA and
// presents f's client certificate; ServerName is left empty so the dialled
// host (127.0.0.1 or localhost) is verified. It panics if f was not made by
// GenerateTLS or WriteTLSFiles and its files cannot be read.
func (f TLSFiles) ClientConfig() *tls.Config {
	caPEM, certPEM, keyPEM := f.caPEM, f.clientCertPEM, f.clientKeyPEM
	if caPEM == nil { // a TLSFiles built by hand: read the files
		var err error
		if caPEM, err = os.ReadFile(f.CAFile); err == nil {
			if certPEM, err = os.ReadFile(f.ClientCertFile); err == nil {
				keyPEM, err = os.ReadFile(f.ClientKeyFile)
			}
		}
		if err != nil {
			panic("redistest: TLSFiles.ClientConfig: " + err.Error())
		}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		panic("redistest: TLSFiles.ClientConfig: no CA certificate in " + f.CAFile)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		panic("redistest: TLSFiles.ClientConfig: " + err.Error())
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}

func generateTLS(dir string) (TLSFiles, error) {
	f := TLSFiles{
		Dir:            dir,
		CAFile:         filepath.Join(dir, "ca.crt"),
		CertFile:       filepath.Join(dir, "server.crt"),
		KeyFile:        filepath.Join(dir, "server.key"),
		ClientCertFile: filepath.Join(dir, "client.crt"),
		ClientKeyFile:  filepath.Join(dir, "client.key"),
	}
	// Backdate a little against clock skew; a week outlives any test run.
	notBefore := time.Now().Add(-time.Hour)
	notAfter := time.Now().Add(7 * 24 * time.Hour)

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return f, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "redistest CA"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return f, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return f, err
	}
	f.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	if err := os.WriteFile(f.CAFile, f.caPEM, 0o644); err != nil {
		return f, err
	}

	// Redis uses the server certificate as its client certificate on
	// replication and cluster-bus links, so it carries both usages.
	server := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	if _, _, err := writeLeaf(server, caCert, caKey, f.CertFile, f.KeyFile); err != nil {
		return f, err
	}
	client := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "redistest client"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	f.clientCertPEM, f.clientKeyPEM, err = writeLeaf(client, caCert, caKey, f.ClientCertFile, f.ClientKeyFile)
	return f, err
}

// writeLeaf signs tmpl with the CA and writes certificate and key files.
func writeLeaf(tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey, certFile, keyFile string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return nil, nil, err
	}
	return certPEM, keyPEM, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}
