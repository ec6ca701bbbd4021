package redistest

import (
	"fmt"
	"strings"
	"time"
)

// DefaultStartTimeout bounds each start or restart of one server when
// Options.StartTimeout is zero. Redis starts in milliseconds; the margin is
// for loaded CI machines.
const DefaultStartTimeout = 15 * time.Second

// Options configures a standalone server. A nil *Options is a plain server
// without password or TLS.
type Options struct {
	// Password is the default user's password (requirepass). This package
	// authenticates with it for its own checks, and it is also set as
	// masterauth so replicas of a Sentinel or Cluster set-up can sync.
	Password string

	// Users are ACL users created at start, in addition to "default".
	Users []User

	// TLS, when set, makes the server speak TLS only: it listens on
	// tls-port and the plaintext port is disabled.
	TLS *TLSOptions

	// Config holds extra redis.conf directives, one per element, for
	// example "maxmemory 10mb" or "maxmemory-policy allkeys-lru". They are
	// written after the package's own directives, so they win; do not
	// change port, bind, dir or logfile.
	Config []string

	// StartTimeout bounds each start and restart; zero means
	// DefaultStartTimeout.
	StartTimeout time.Duration
}

// User is an ACL user, written as a "user" directive.
type User struct {
	// Name is the username, e.g. "app".
	Name string
	// Password is added to Rules as ">Password"; it may contain spaces.
	Password string
	// Rules are ACL rules; empty means "on ~* &* +@all" (everything).
	// Write "on" yourself when you give rules, or the user is disabled.
	Rules string
}

// TLSOptions turns on TLS. GenerateTLS makes suitable files;
// TLSFiles.Options fills this struct.
type TLSOptions struct {
	// CertFile and KeyFile are the server's certificate and key
	// (tls-cert-file, tls-key-file). Redis also presents them as a client
	// on replication and cluster-bus links.
	CertFile, KeyFile string
	// CAFile (tls-ca-cert-file) verifies client certificates and peers.
	CAFile string
	// AuthClients is tls-auth-clients: "yes" (Redis' default, used when
	// empty), "no" or "optional".
	AuthClients string
	// ClientCertFile and ClientKeyFile are presented by this package's own
	// connections (readiness checks, cluster set-up); required when
	// AuthClients is "yes".
	ClientCertFile, ClientKeyFile string
}

func (o *Options) startTimeout() time.Duration {
	if o.StartTimeout > 0 {
		return o.StartTimeout
	}
	return DefaultStartTimeout
}

// adminPassword is the default user's password this package logs in with.
func (o *Options) adminPassword() string {
	for _, u := range o.Users {
		if u.Name == "default" && u.Password != "" {
			return u.Password
		}
	}
	return o.Password
}

// quote renders s as one redis.conf argument. Redis splits config lines
// with sdssplitargs, which understands "..." with \" \\ and \xHH escapes, so
// any password survives.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\x%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// authDirectives renders Password, Users and TLS. Replica-side settings
// (masterauth) are included so every role shares one rendering.
func (o *Options) authDirectives() []string {
	var lines []string
	if o.Password != "" {
		lines = append(lines, "requirepass "+quote(o.Password))
	}
	if p := o.adminPassword(); p != "" {
		lines = append(lines, "masterauth "+quote(p))
	}
	for _, u := range o.Users {
		rules := u.Rules
		if strings.TrimSpace(rules) == "" {
			rules = "on ~* &* +@all"
		}
		line := "user " + quote(u.Name) + " " + rules
		if u.Password != "" {
			line += " " + quote(">"+u.Password)
		}
		lines = append(lines, line)
	}
	return lines
}

func (t *TLSOptions) directives(port int) []string {
	lines := []string{
		"port 0",
		fmt.Sprintf("tls-port %d", port),
		"tls-cert-file " + quote(t.CertFile),
		"tls-key-file " + quote(t.KeyFile),
	}
	if t.CAFile != "" {
		lines = append(lines, "tls-ca-cert-file "+quote(t.CAFile))
	}
	if t.AuthClients != "" {
		lines = append(lines, "tls-auth-clients "+t.AuthClients)
	}
	return lines
}
