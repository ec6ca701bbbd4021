package redistest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Server is one redis-server (or redis-sentinel) process started by this
// package, listening on 127.0.0.1 with persistence off and its own temporary
// directory. Its methods are safe for concurrent use.
//
// Fault injection (Stop, Kill, Restart, Pause, Resume) only ever signals the
// process this Server started, by its process handle, never by port or name.
type Server struct {
	spec    spec
	bin     string
	dir     string
	conf    string
	port    int
	busPort int // cluster bus port, 0 outside a cluster
	admin   dialInfo

	ops sync.Mutex // serialises Stop, Kill, Restart, Pause, Resume, Close

	mu     sync.Mutex // guards the fields below
	proc   *process   // nil when not running
	paused bool
	closed bool
}

// spec is everything needed to (re)write a server's config file.
type spec struct {
	opts       Options
	role       []string // role directives (cluster, replicaof, sentinel ...)
	sentinel   bool     // run with --sentinel
	clusterBus bool     // allocate a cluster-port too
}

// NewServer starts a standalone server and waits until it answers PING.
// The caller must Close it. Tests usually want StartServer instead, which
// fails the test on error and closes the server in Cleanup.
func NewServer(opts *Options) (*Server, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	return startSpec(spec{opts: o})
}

// StartServer starts a standalone server for the test and stops it, and
// removes its directory, when the test ends. It calls t.Fatalf if the server
// cannot start, including when redis-server is not installed.
func StartServer(t TB, opts *Options) *Server {
	t.Helper()
	s, err := NewServer(opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { s.cleanup(t) })
	return s
}

// cleanup is the Cleanup hook of the TB helpers: it prints the log of a
// failed test's server (that is when it is wanted) and stops the process.
func (s *Server) cleanup(t TB) {
	if testFailed(t) {
		t.Logf("redistest: log of %s (%s):\n%s", s.Addr(), s.dir, s.logTail(4096))
	}
	if err := s.Close(); err != nil {
		t.Logf("redistest: %v", err)
	}
}

// startSpec creates the directory, picks ports and starts the first process,
// retrying with new ports when another process took one in the meantime.
func startSpec(sp spec) (*Server, error) {
	bin, err := redisServerPath()
	if err != nil {
		return nil, err
	}
	admin, err := adminDialInfo(&sp.opts)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, fmt.Errorf("redistest: %w", err)
	}
	s := &Server{spec: sp, bin: bin, dir: dir, conf: filepath.Join(dir, "redis.conf"), admin: admin}
	const attempts = 5
	for attempt := 1; ; attempt++ {
		n := 1
		if sp.clusterBus {
			n = 2
		}
		ports, err := pickPorts(n)
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("redistest: %w", err)
		}
		s.port = ports[0]
		if sp.clusterBus {
			s.busPort = ports[1]
		}
		s.admin.addr = s.Addr()
		if err := os.WriteFile(s.conf, []byte(s.renderConfig()), 0o600); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("redistest: %w", err)
		}
		err = s.launch()
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errAddrInUse) || attempt == attempts {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

// adminDialInfo is how this package reaches the server: as the default user,
// and over TLS without verification (it is our own process on loopback; we
// check its PID instead) but with a client certificate when given.
func adminDialInfo(o *Options) (dialInfo, error) {
	info := dialInfo{password: o.adminPassword()}
	if o.TLS != nil {
		if o.TLS.CertFile == "" || o.TLS.KeyFile == "" {
			return info, errors.New("redistest: TLSOptions needs CertFile and KeyFile")
		}
		if (o.TLS.AuthClients == "" || o.TLS.AuthClients == "yes") && o.TLS.ClientCertFile == "" {
			// Fail now rather than time out on every handshake later.
			return info, errors.New("redistest: TLSOptions: clients must authenticate (tls-auth-clients yes), so set ClientCertFile and ClientKeyFile for this package's own connections, or set AuthClients to \"optional\" or \"no\"")
		}
		cfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // our own child process, identified by PID
		if o.TLS.ClientCertFile != "" {
			cert, err := tls.LoadX509KeyPair(o.TLS.ClientCertFile, o.TLS.ClientKeyFile)
			if err != nil {
				return info, fmt.Errorf("redistest: TLS client certificate: %w", err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		info.tls = cfg
	}
	return info, nil
}

// renderConfig writes the whole redis.conf. Only the first start writes it:
// Restart reuses the file, because Sentinel rewrites it (CONFIG REWRITE after
// a failover) and the restarted server must see those changes, as a real one
// would.
func (s *Server) renderConfig() string {
	o := &s.spec.opts
	lines := []string{
		"# written by github.com/stratacache/strata/drivers/redis/redistest",
		"bind 127.0.0.1",
		"dir " + quote(s.dir),
		"logfile " + quote(filepath.Join(s.dir, "redis.log")),
		"daemonize no",
		"always-show-logo no",
	}
	if o.TLS != nil {
		lines = append(lines, o.TLS.directives(s.port)...)
	} else {
		lines = append(lines, "port "+strconv.Itoa(s.port))
	}
	if !s.spec.sentinel {
		lines = append(lines,
			// No persistence: a restarted server comes back empty.
			`save ""`,
			"appendonly no",
			// Replicas otherwise keep the RDB they received and would
			// load it on restart; delete it (only honoured without
			// persistence, which is our case).
			"rdb-del-sync-files yes",
			// Full syncs start at once instead of waiting 5s for more
			// replicas: faster set-up and failover tests.
			"repl-diskless-sync-delay 0",
			"replica-announce-ip 127.0.0.1",
		)
		lines = append(lines, o.authDirectives()...)
	}
	if s.busPort != 0 {
		lines = append(lines, "cluster-port "+strconv.Itoa(s.busPort))
	}
	lines = append(lines, s.spec.role...)
	lines = append(lines, o.Config...)
	return strings.Join(lines, "\n") + "\n"
}

// Addr is "127.0.0.1:port", the address clients dial (the TLS port when TLS
// is on).
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the port clients dial. It stays the same across Restart.
func (s *Server) Port() int { return s.port }

// PID is the process ID of the running server, or 0 while it is stopped.
// It changes on Restart.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil || s.proc.exited() {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// Dir is the server's temporary directory (config, log, cluster state). It
// is removed by Close.
func (s *Server) Dir() string { return s.dir }

// Log returns the server's log so far: what redis-server printed before its
// logfile was open, then the logfile, across restarts.
func (s *Server) Log() string {
	early, _ := os.ReadFile(filepath.Join(s.dir, "stdout.log"))
	main, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	return string(early) + string(main)
}

func (s *Server) logTail(n int) string { return tail(s.Log(), n) }

// URL is the address as a Strata URL: "redis://:password@127.0.0.1:port/0",
// or rediss:// with TLS; without a password there is no user part. It
// contains the password: log RedactedURL instead.
func (s *Server) URL() string { return s.url("", s.spec.opts.Password).String() }

// RedactedURL is URL with the password replaced by "xxxxx", for logs.
func (s *Server) RedactedURL() string { return s.url("", s.spec.opts.Password).Redacted() }

// UserURL is URL for one of Options.Users, with that user's name and
// password: "redis://app:secret@127.0.0.1:port/0".
func (s *Server) UserURL(username string) string {
	for _, u := range s.spec.opts.Users {
		if u.Name == username {
			return s.url(username, u.Password).String()
		}
	}
	return s.url(username, "").String()
}

func (s *Server) url(user, password string) *url.URL {
	u := &url.URL{Scheme: "redis", Host: s.Addr(), Path: "/0"}
	if s.spec.opts.TLS != nil {
		u.Scheme = "rediss"
	}
	switch {
	case password != "":
		u.User = url.UserPassword(user, password)
	case user != "":
		u.User = url.User(user)
	}
	return u
}
