package redistest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Defaults for SentinelOptions. Redis' own (30s down-after, 3min failover
// timeout) are for production; these let a failover finish in a few seconds.
const (
	// DefaultMasterName is the monitored name when MasterName is "".
	DefaultMasterName = "mymaster"
	// DefaultDownAfter is down-after-milliseconds when DownAfter is 0. It is
	// twice Sentinel's 1s PING period: with both at 1s, one PING answered
	// late by a loaded machine (or a link still reconnecting after a
	// switch-master) marked the new master down and failed it over again.
	DefaultDownAfter = 2 * time.Second
	// DefaultFailoverTimeout is failover-timeout when FailoverTimeout is
	// 0. Sentinel also waits twice this before failing the same master
	// over again.
	DefaultFailoverTimeout = 3 * time.Second
	// DefaultSentinelTimeout bounds the set-up when StartTimeout is 0.
	DefaultSentinelTimeout = 60 * time.Second
)

// SentinelOptions configures a Sentinel set-up. A nil *SentinelOptions uses
// the defaults.
type SentinelOptions struct {
	// MasterName is the name Sentinel monitors; "" means "mymaster".
	MasterName string
	// Password is requirepass and masterauth of master and replica, and the
	// sentinel's auth-pass. The sentinel itself has no password.
	Password string
	// DownAfter is down-after-milliseconds: how long the master must be
	// unreachable before a failover starts. 0 means DefaultDownAfter.
	DownAfter time.Duration
	// FailoverTimeout is failover-timeout; 0 means DefaultFailoverTimeout.
	FailoverTimeout time.Duration
	// Config holds extra redis.conf directives for master and replica.
	Config []string
	// SentinelConfig holds extra directives for the sentinel, e.g.
	// "sentinel parallel-syncs mymaster 1".
	SentinelConfig []string
	// StartTimeout bounds the whole set-up; 0 means DefaultSentinelTimeout.
	StartTimeout time.Duration
}

// Sentinel is a master, one replica and one sentinel process (quorum 1),
// all started by this package.
type Sentinel struct {
	name     string
	password string
	master   *Server
	replica  *Server
	sentinel *Server

	mu    sync.Mutex
	known string // master address last reported, see WaitForFailover
}

// StartSentinel starts a master, a replica of it and a sentinel monitoring
// them, waits until the sentinel sees the replica (so a failover can
// happen), and stops everything when the test ends. It calls t.Fatalf on
// failure.
func StartSentinel(t TB, opts *SentinelOptions) *Sentinel {
	t.Helper()
	s, err := NewSentinel(opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		for _, n := range s.servers() {
			n.cleanup(t)
		}
	})
	return s
}

// NewSentinel is StartSentinel without a test: the caller must Close it.
func NewSentinel(opts *SentinelOptions) (*Sentinel, error) {
	var o SentinelOptions
	if opts != nil {
		o = *opts
	}
	if o.MasterName == "" {
		o.MasterName = DefaultMasterName
	}
	if o.DownAfter <= 0 {
		o.DownAfter = DefaultDownAfter
	}
	if o.FailoverTimeout <= 0 {
		o.FailoverTimeout = DefaultFailoverTimeout
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultSentinelTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.StartTimeout)
	defer cancel()

	s := &Sentinel{name: o.MasterName, password: o.Password}
	data := Options{Password: o.Password, Config: o.Config}
	var err error
	if s.master, err = startSpec(spec{opts: data}); err != nil {
		return nil, err
	}
	s.known = s.master.Addr()
	s.replica, err = startSpec(spec{opts: data, role: []string{"replicaof 127.0.0.1 " + strconv.Itoa(s.master.port)}})
	if err != nil {
		s.Close()
		return nil, err
	}
	// The sentinel learns of replicas from the master's INFO, which it
	// asks for when it connects and then only every 10s: start it after the
	// replica is attached so it sees it at once.
	if err := poll(ctx, func() error { return replicaLinkUp(ctx, s.replica) }); err != nil {
		s.Close()
		return nil, fmt.Errorf("redistest: replica %s did not sync: %w%s", s.replica.Addr(), err, s.logs())
	}
	role := []string{
		fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1", quote(o.MasterName), s.master.port),
		fmt.Sprintf("sentinel down-after-milliseconds %s %d", quote(o.MasterName), o.DownAfter.Milliseconds()),
		fmt.Sprintf("sentinel failover-timeout %s %d", quote(o.MasterName), o.FailoverTimeout.Milliseconds()),
	}
	if o.Password != "" {
		role = append(role, fmt.Sprintf("sentinel auth-pass %s %s", quote(o.MasterName), quote(o.Password)))
	}
	// The sentinel rewrites its config file (sentinel.conf is required to
	// be writable); it lives in the sentinel's own temporary directory.
	s.sentinel, err = startSpec(spec{opts: Options{Config: o.SentinelConfig}, role: role, sentinel: true})
	if err != nil {
		s.Close()
		return nil, err
	}
	if err := poll(ctx, func() error { return s.seesReplica(ctx) }); err != nil {
		s.Close()
		return nil, fmt.Errorf("redistest: sentinel: %w%s", err, s.logs())
	}
	return s, nil
}

func replicaLinkUp(ctx context.Context, r *Server) error {
	info, err := respString(ctx, r.admin, "INFO", "replication")
	if err != nil {
		return err
	}
	if st := infoField(info, "master_link_status"); st != "up" {
		return fmt.Errorf("master_link_status:%s", st)
	}
	return nil
}

// seesReplica checks that the sentinel considers the replica healthy and
// in sync, which is what it needs to promote it.
func (s *Sentinel) seesReplica(ctx context.Context) error {
	v, err := respDo(ctx, s.sentinel.admin, "SENTINEL", "REPLICAS", s.name)
	if err != nil {
		return err
	}
	list, _ := v.([]any)
	for _, item := range list {
		m := pairs(item)
		if m["ip"]+":"+m["port"] != s.replica.Addr() {
			continue
		}
		if m["flags"] != "slave" || m["master-link-status"] != "ok" {
			return fmt.Errorf("replica %s: flags %q, master-link-status %q", s.replica.Addr(), m["flags"], m["master-link-status"])
		}
		return nil
	}
	return fmt.Errorf("sentinel does not list replica %s yet", s.replica.Addr())
}

// pairs turns a RESP2 flat key/value array into a map.
func pairs(v any) map[string]string {
	arr, _ := v.([]any)
	m := make(map[string]string, len(arr)/2)
	for i := 0; i+1 < len(arr); i += 2 {
		k, _ := arr[i].(string)
		val, _ := arr[i+1].(string)
		m[k] = val
	}
	return m
}

// MasterName is the monitored master's name, e.g. "mymaster".
func (s *Sentinel) MasterName() string { return s.name }

// SentinelAddrs are the sentinels' addresses ("127.0.0.1:port"), what a
// failover client dials first.
func (s *Sentinel) SentinelAddrs() []string { return []string{s.sentinel.Addr()} }

// Sentinels are the sentinel processes, for fault injection.
func (s *Sentinel) Sentinels() []*Server { return []*Server{s.sentinel} }

// Master is the server started as master. After a failover it may be down
// or a replica: use WaitForFailover or CurrentMasterAddr for the current one.
// A former master that is restarted after a failover is turned into a
// replica by the sentinel, which notices it within about 10s (its fixed
// INFO period).
func (s *Sentinel) Master() *Server { return s.master }

// Replica is the server started as the master's replica.
func (s *Sentinel) Replica() *Server { return s.replica }

// URL is "redis+sentinel://127.0.0.1:port/<MasterName>/0", with
// ":password@" after the scheme when there is a password. It contains the
// password: log RedactedURL.
func (s *Sentinel) URL() string { return s.url().String() }

// RedactedURL is URL with the password replaced by "xxxxx".
func (s *Sentinel) RedactedURL() string { return s.url().Redacted() }

func (s *Sentinel) url() *url.URL {
	u := &url.URL{Scheme: "redis+sentinel", Host: s.sentinel.Addr(), Path: "/" + s.name + "/0"}
	if s.password != "" {
		u.User = url.UserPassword("", s.password)
	}
	return u
}

// CurrentMasterAddr asks the sentinel (SENTINEL get-master-addr-by-name)
// where the master is now.
func (s *Sentinel) CurrentMasterAddr(ctx context.Context) (string, error) {
	v, err := respDo(ctx, s.sentinel.admin, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", s.name)
	if err != nil {
		return "", fmt.Errorf("redistest: ask sentinel for the master: %w", err)
	}
	arr, _ := v.([]any)
	if len(arr) != 2 {
		return "", fmt.Errorf("redistest: sentinel does not know master %q", s.name)
	}
	host, _ := arr[0].(string)
	port, _ := arr[1].(string)
	return host + ":" + port, nil
}

// WaitForFailover waits until the sentinel names a new master — different
// from the initial master, or from the one the previous WaitForFailover
// returned — and that server reports role:master. It returns the new
// master. Typical use: Master().Kill(), then WaitForFailover; with the
// default timings it takes a few seconds, so give ctx 30s or so.
func (s *Sentinel) WaitForFailover(ctx context.Context) (*Server, error) {
	s.mu.Lock()
	old := s.known
	s.mu.Unlock()
	var next *Server
	err := poll(ctx, func() error {
		addr, err := s.CurrentMasterAddr(ctx)
		if err != nil {
			return err
		}
		if addr == old {
			return fmt.Errorf("sentinel still names %s", old)
		}
		next = nil
		for _, n := range []*Server{s.master, s.replica} {
			if n.Addr() == addr {
				next = n
			}
		}
		if next == nil {
			return fmt.Errorf("sentinel names %s, which this package did not start", addr)
		}
		info, err := respString(ctx, next.admin, "INFO", "replication")
		if err != nil {
			return err
		}
		if role := infoField(info, "role"); role != "master" {
			return fmt.Errorf("%s has role %s", addr, role)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redistest: wait for failover from %s: %w", old, err)
	}
	s.mu.Lock()
	s.known = next.Addr()
	s.mu.Unlock()
	return next, nil
}

func (s *Sentinel) servers() []*Server {
	var out []*Server
	for _, n := range []*Server{s.sentinel, s.replica, s.master} {
		if n != nil {
			out = append(out, n)
		}
	}
	return out
}

// Close kills the sentinel, replica and master and removes their
// directories.
func (s *Sentinel) Close() error {
	var errs []error
	for _, n := range s.servers() {
		errs = append(errs, n.Close())
	}
	return errors.Join(errs...)
}

func (s *Sentinel) logs() string {
	var b []byte
	for _, n := range s.servers() {
		b = fmt.Appendf(b, "\n--- log of %s ---\n%s", n.Addr(), n.logTail(1024))
	}
	return string(b)
}
