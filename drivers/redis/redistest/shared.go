package redistest

import (
	"errors"
	"os"
	"sync"
)

// Shared starts throwaway servers on first use and shares them between the
// tests of one test binary (tests that inject faults should start their own).
// TestMain stops them after the tests:
//
//	var servers redistest.Shared
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		if err := servers.Close(); err != nil { // also removes the test keys from STRATA_TEST_REDIS_URL
//			fmt.Fprintln(os.Stderr, err)
//			code = max(code, 1)
//		}
//		os.Exit(code)
//	}
//
//	func TestSomething(t *testing.T) {
//		url := servers.URL(t) // or STRATA_TEST_REDIS_URL
//		prefix := redistest.RandomPrefix() // every key the test writes goes under it
//		...
//	}
//
// Its methods are safe for concurrent use. The zero value is ready to use.
type Shared struct {
	mu       sync.Mutex
	server   *Server
	cluster  *Cluster
	sentinel *Sentinel
}

// URL returns the URL in STRATA_TEST_REDIS_URL (EnvURL) when it is set, else the
// URL of the shared standalone server. Tests must write only under prefixes
// from RandomPrefix: the server may be someone else's, and Close removes the
// keys under them from it (see RemoveTestKeys) once the tests are done.
func (s *Shared) URL(t TB) string {
	t.Helper()
	if env := os.Getenv(EnvURL); env != "" {
		return env
	}
	return s.Server(t).URL()
}

// Server returns the shared throwaway standalone server (whatever EnvURL says),
// for tests that need more than a URL.
func (s *Shared) Server(t TB) *Server {
	t.Helper()
	return startOnce(s, t, &s.server, func() (*Server, error) { return NewServer(nil) })
}

// Cluster returns the shared 3-master cluster.
func (s *Shared) Cluster(t TB) *Cluster {
	t.Helper()
	return startOnce(s, t, &s.cluster, func() (*Cluster, error) { return NewCluster(nil) })
}

// Sentinel returns the shared Sentinel setup.
func (s *Shared) Sentinel(t TB) *Sentinel {
	t.Helper()
	return startOnce(s, t, &s.sentinel, func() (*Sentinel, error) { return NewSentinel(nil) })
}

// startOnce returns *p, started with start under s.mu on first use; a start
// that fails fails t and is tried again by the next caller.
func startOnce[T any](s *Shared, t TB, p **T, start func() (*T, error)) *T {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if *p == nil {
		v, err := start()
		if err != nil {
			t.Fatalf("%v", err)
		}
		*p = v
	}
	return *p
}

// Close stops every server started and, when STRATA_TEST_REDIS_URL is set,
// removes from that server every key written under a RandomPrefix of this
// process (RemoveTestKeys). It returns the errors joined.
func (s *Shared) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	if _, err := RemoveTestKeys(); err != nil {
		errs = append(errs, err)
	}
	if s.server != nil {
		errs = append(errs, s.server.Close())
	}
	if s.cluster != nil {
		errs = append(errs, s.cluster.Close())
	}
	if s.sentinel != nil {
		errs = append(errs, s.sentinel.Close())
	}
	s.server, s.cluster, s.sentinel = nil, nil, nil
	return errors.Join(errs...)
}
