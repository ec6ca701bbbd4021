// Package redistest starts real, throwaway redis-server processes for tests:
// a standalone server ([StartServer]), a Redis Cluster ([StartCluster]), or a
// Sentinel set-up ([StartSentinel]: master, replica, sentinel). Strata's own
// tests use it, and so can yours. It needs redis-server 7.0 or newer on PATH
// (Debian/Ubuntu: apt-get install redis-server, whose build includes TLS).
//
//	func TestCache(t *testing.T) {
//		srv := redistest.StartServer(t, nil) // stopped at the end of the test
//		client := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
//		defer client.Close()
//		// ... or registry.Open(ctx, srv.URL())
//	}
//
// The helpers take a [TB], which *testing.T, *testing.B and Ginkgo's GinkgoT()
// all satisfy, so in a Ginkgo suite write redistest.StartServer(GinkgoT(), nil)
// inside a BeforeEach or It. Outside a test (TestMain, benchmarks, tools),
// [NewServer], [NewCluster] and [NewSentinel] return errors instead, and the
// caller calls Close.
//
// [Options] adds a password (requirepass), ACL users, TLS and any other
// redis.conf directives. [GenerateTLS] writes a throwaway CA, a server certificate
// for 127.0.0.1 and localhost, and a client certificate, using only the Go
// standard library:
//
//	files := redistest.GenerateTLS(t, "")
//	srv := redistest.StartServer(t, &redistest.Options{TLS: files.Options()})
//	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), TLSConfig: files.ClientConfig()})
//
// # Errors
//
// The Start helpers fail the test with t.Fatalf when a server cannot start; they
// never skip, so a CI machine without Redis fails loudly instead of passing
// untested. The message says how to install it:
//
//	redis-server not found: install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu), or set STRATA_TEST_REDIS_URL
//
// When STRATA_TEST_REDIS_URL is set already, the test is one that needs servers
// of its own (a Cluster, a Sentinel set-up, a server it stops, pauses or
// configures), and the message says that the variable cannot help it:
//
//	redis-server not found: this test starts Redis servers of its own (...), which the one server in STRATA_TEST_REDIS_URL cannot stand in for: install redis-server with ...
//
// # Guarantees
//
// Every server listens on a free 127.0.0.1 port, has persistence turned off
// (save "", appendonly no) and its own temporary directory, and is killed and
// removed when the test ends. If the test process dies without cleaning up,
// Linux kills its servers too (parent-death signal). Nothing here ever touches a
// server it did not start, and nothing ever runs FLUSHALL.
//
// StartCluster forms a cluster of three masters (ClusterOptions.Masters),
// optionally with replicas, without needing redis-cli, and returns once all nodes
// report cluster_state:ok and agree on the slot map; its cluster-node-timeout is
// [DefaultNodeTimeout]. StartSentinel starts a master, a replica and one sentinel
// (quorum 1, down-after [DefaultDownAfter]) and returns once the sentinel sees the
// replica.
//
// # Fault injection
//
// A *[Server] can be stopped gracefully (Stop), killed (Kill), restarted on the
// same port with the same config (Restart; its data is gone), and frozen (Pause,
// SIGSTOP) and thawed (Resume). The same works on any node of a Cluster (Nodes) or
// Sentinel set-up (Master, Replica, Sentinels). Cluster.WaitReady and
// Sentinel.WaitForFailover wait for the system to recover. [StartProxy] puts a TCP
// proxy in front of any address: Stall makes the network path go silent without
// closing a connection (a partition), Resume forwards again.
//
// # Using an existing server: STRATA_TEST_REDIS_URL
//
// [ServerURL] returns the URL in STRATA_TEST_REDIS_URL ([EnvURL]) when it is set,
// and otherwise starts a throwaway server. Either way it also returns a random key
// prefix; the test must put it in front of every key, because a server named by
// STRATA_TEST_REDIS_URL is shared and is never flushed: at the end of the test
// only the keys under that prefix are deleted.
//
//	url, prefix := redistest.ServerURL(t)
//	cache, err := strata.Open[string](ctx, url, &strata.Options[string]{Prefix: prefix})
//
// [Shared.URL] returns it too, for tests that share servers; they write under
// [RandomPrefix] prefixes, and [Shared.Close] (in TestMain) removes every key
// written under them in the process ([RemoveTestKeys]). Only keys under those
// prefixes are ever removed, by SCAN and UNLINK. docs/testing.md has the whole
// picture, with the memory driver and miniredis.
//
// # In process: miniredis
//
// [StartMiniredis] starts an in-process miniredis on a fake clock that the drivers
// read too (their Options.Clock): [Miniredis.Advance] expires keys in miniredis and in
// Strata together. Strata's own tests run the conformance suite on it.
package redistest
