// Command strata-check proves a real cache server (or any backend a Strata driver
// opens) against Strata's conformance suite, measures a few latencies, and removes
// everything it wrote:
//
//	go run github.com/stratacache/strata/conformance/cmd/strata-check [flags] URL
//
//	strata-check memory://
//	strata-check redis://cache:6379/0
//	strata-check 'redis://app:s3cret@cache:6379/0?grace=300ms'
//	strata-check redis+cluster://node1:7000,node2:7001
//	strata-check redis+sentinel://sentinel1:26379/mymaster/0
//	strata-check 'layered://?l2=redis%3A%2F%2Fcache%3A6379%2F0'
//
// It opens the URL through the registry (drivers/all registers memory://, redis://
// and its TLS, Cluster and Sentinel forms, and layered://), runs every spec of
// package conformance against fresh adapters, printing each spec as it passes or
// fails, then times Get, Set and GetMany, then clears its key prefix. It is
// conformance.Check with flags.
//
// # What it writes
//
// Only keys under a random prefix of its own, strata-check:<16 hex digits>:,
// printed at the start; the same prefix is the cache namespace it hands the driver
// (registry.WithNamespace), so the redis driver's invalidation channel is its own
// too. At the end it removes the prefix with the driver's adapter.Clearer (on Redis:
// SCAN MATCH with UNLINK, never FLUSHDB or FLUSHALL) and reads back the keys it
// knows it wrote. A driver that is not an adapter.Clearer, or whose Clear does not
// remove a first key written under the prefix, is refused before anything more is
// written. Keys of other programs are never read, written or removed, so it can
// run against a shared server; it does load the server for the length of the run
// (a few hundred small keys, short TTLs, some concurrency). The probe's keys
// expire after ten minutes even if the cleanup cannot run.
//
// The URL's password and secret parameters never appear in its output
// (registry.Redact).
//
// # Flags
//
//	-ops N         calls of each kind the latency probe times (default 1000; 0: no probe)
//	-v             also list skipped specs, and whole failure messages with their location
//	-q             list only the failed specs and the summary
//	-focus RE      run only the specs whose text matches the regular expression RE
//	-grace D       the URL's revival window (default: detected; see conformance.CheckOptions.Grace)
//	-may-evict     the driver may drop values under pressure (always on for memory:// and layered://)
//	-unit D        the suite's time unit (default 50ms; raise it for a distant server)
//	-timeout D     give up after D (default: none; an interrupt also stops it, after cleaning up)
//
// A check with grace runs the grace specs, which wait through the grace period:
// check with a short one (grace=300ms) rather than a production value.
//
// # Exit status
//
// 0 when every spec passed, the probe's calls succeeded and nothing was left
// behind; 1 when a spec failed (each failed spec is named, as "Remove reports false
// when the only key is missing") or the cleanup left keys; 2 for a usage error, a
// URL that does not open (unknown scheme, unreachable server: the driver's own
// connection check bounds the wait, redis' open_timeout=, 3s by default), a driver
// the check refuses, or an interrupted run.
//
// # Your own driver
//
// A third-party driver builds the same checker in a few lines, importing itself for
// its registration:
//
//	package main
//
//	import (
//		"context"
//		"fmt"
//		"os"
//
//		"github.com/stratacache/strata/conformance"
//		_ "example.com/strata-memcached" // registers memcached://
//	)
//
//	func main() {
//		res, err := conformance.Check(context.Background(), os.Args[1],
//			conformance.CheckOptions{Progress: os.Stdout})
//		if err != nil {
//			fmt.Println(err)
//			os.Exit(2)
//		}
//		if !res.Passed {
//			os.Exit(1)
//		}
//	}
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/stratacache/strata/conformance"
	_ "github.com/stratacache/strata/drivers/all" // memory://, redis:// and its forms, layered://
	"github.com/stratacache/strata/registry"
)

// Exit statuses.
const (
	exitPass  = 0
	exitFail  = 1
	exitUsage = 2 // usage, connection, refusal or interruption: no verdict
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, registry.DefaultMux)
	stop()
	os.Exit(code)
}

// evictingSchemes are the built-in schemes whose adapters hold values in a store
// bounded by bytes, which may drop them under pressure.
var evictingSchemes = []string{"memory", "layered"}

// run is the command: it parses args, checks the URL through mux and returns the
// exit status. Progress goes to stdout, errors and usage to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, mux *registry.Mux) int {
	fs := flag.NewFlagSet("strata-check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ops := fs.Int("ops", conformance.DefaultProbeOps, "calls of each kind (Get, Set, GetMany) the latency probe times; 0 skips the probe")
	verbose := fs.Bool("v", false, "also list skipped specs, and whole failure messages with their location in the suite")
	quiet := fs.Bool("q", false, "list only the failed specs and the summary")
	focus := fs.String("focus", "", "run only the specs whose text matches this regular expression")
	grace := fs.Duration("grace", 0, "the revival window the URL configures (default: the driver's, or the URL's grace=)")
	mayEvict := fs.Bool("may-evict", false, "the driver may drop values under pressure (always on for memory:// and layered://)")
	unit := fs.Duration("unit", 0, "the suite's time unit (default 50ms); raise it for a distant server")
	timeout := fs.Duration("timeout", 0, "give up after this long (0: no limit)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: strata-check [flags] URL\n\n"+
			"Runs Strata's conformance suite, a latency probe and a cleanup against the cache URL,\n"+
			"writing only under a random key prefix strata-check:<hex>: that it removes at the end.\n"+
			"Exit status: 0 pass, 1 fail, 2 usage or connection error.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPass
		}
		return exitUsage // the flag package has printed the error and the usage
	}
	switch {
	case fs.NArg() == 0:
		fmt.Fprintln(stderr, "strata-check: give the cache URL to check, e.g. strata-check redis://localhost:6379/0")
		fs.Usage()
		return exitUsage
	case fs.NArg() > 1:
		fmt.Fprintf(stderr, "strata-check: give one URL, not %d (flags go before the URL)\n", fs.NArg())
		return exitUsage
	case *ops < 0:
		fmt.Fprintln(stderr, "strata-check: -ops must be 0 or more")
		return exitUsage
	case *grace < 0 || *unit < 0 || *timeout < 0:
		fmt.Fprintln(stderr, "strata-check: -grace, -unit and -timeout must not be negative")
		return exitUsage
	}
	rawURL := fs.Arg(0)

	opts := conformance.CheckOptions{
		Mux:      mux,
		Progress: stdout,
		Quiet:    *quiet,
		Verbose:  *verbose,
		Focus:    *focus,
		ProbeOps: *ops,
		Grace:    *grace,
		MayEvict: *mayEvict,
		Unit:     *unit,
	}
	if *ops == 0 {
		opts.ProbeOps = -1
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "grace" && *grace == 0 {
			opts.Grace = -1 // -grace=0 given: none, without detecting
		}
	})
	if u, err := registry.ParseURL(rawURL); err == nil {
		for _, s := range evictingSchemes {
			opts.MayEvict = opts.MayEvict || strings.EqualFold(u.Scheme, s)
		}
	}
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}

	res, err := conformance.Check(ctx, rawURL, opts)
	if err != nil {
		fmt.Fprintf(stderr, "strata-check: %v\n", err)
		return exitUsage
	}
	if !res.Passed {
		return exitFail
	}
	return exitPass
}
