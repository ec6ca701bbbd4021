package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

// ErrNoCluster is returned by Env.Cluster when BENCH_CLUSTER=0 turned the
// cluster benchmarks off.
var ErrNoCluster = errors.New("bench: cluster benchmarks turned off (BENCH_CLUSTER=0)")

// Env is what the benchmarks share in one process: a throwaway redis-server
// (persistence off, free loopback port) started by redistest, an optional
// 3-master cluster started on first use, the subjects created so far, and the
// data loaded so far. Close stops everything; the servers are also stopped (by
// their pid) on SIGINT/SIGTERM and by Recover on a panic, and Linux kills them
// if the process dies anyway (redistest sets a parent-death signal).
type Env struct {
	server  *redistest.Server
	admin   *goredis.Client
	version string

	clusterOnce sync.Once
	cluster     *redistest.Cluster
	clusterErr  error

	mu       sync.Mutex
	closed   bool
	subjects map[string]closer // by kind and name
	order    []string          // creation order, closed in reverse
	done     map[string]*onceErr

	stopOnce    sync.Once
	stopSignals func()
}

type closer interface{ Close() error }

type onceErr struct {
	once sync.Once
	err  error
}

// Start starts the redis-server and the signal handler.
func Start(ctx context.Context) (*Env, error) {
	srv, err := redistest.NewServer(nil)
	if err != nil {
		return nil, err
	}
	e := &Env{
		server:   srv,
		subjects: make(map[string]closer),
		done:     make(map[string]*onceErr),
	}
	sigs := make(chan os.Signal, 1)
	quit := make(chan struct{})
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-sigs:
			fmt.Fprintf(os.Stderr, "bench: %v: stopping the redis servers\n", s)
			e.stopServers()
			os.Exit(130)
		case <-quit:
		}
	}()
	e.stopSignals = func() { signal.Stop(sigs); close(quit) }

	e.admin = goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	info, err := e.admin.Info(ctx, "server").Result()
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("bench: INFO server: %w", err)
	}
	e.version = infoField(info, "redis_version")
	return e, nil
}

func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

// Addr is the server's host:port.
func (e *Env) Addr() string { return e.server.Addr() }

// URL is the server's redis:// URL.
func (e *Env) URL() string { return e.server.URL() }

// RedisVersion is the server's version as INFO reports it.
func (e *Env) RedisVersion() string { return e.version }

// Cluster returns a 3-master Redis Cluster (no replicas), started on the first
// call (about 2 s). BENCH_CLUSTER=0 turns it off.
func (e *Env) Cluster() (*redistest.Cluster, error) {
	e.clusterOnce.Do(func() {
		if os.Getenv("BENCH_CLUSTER") == "0" {
			e.clusterErr = ErrNoCluster
			return
		}
		e.mu.Lock()
		closed := e.closed
		e.mu.Unlock()
		if closed {
			e.clusterErr = errors.New("bench: env closed")
			return
		}
		e.cluster, e.clusterErr = redistest.NewCluster(&redistest.ClusterOptions{Masters: 3})
	})
	return e.cluster, e.clusterErr
}

// Once runs fn the first time it is called with name and returns its error on
// every call with that name: for loading data once per process.
func (e *Env) Once(name string, fn func() error) error {
	e.mu.Lock()
	o := e.done[name]
	if o == nil {
		o = &onceErr{}
		e.done[name] = o
	}
	e.mu.Unlock()
	o.once.Do(func() { o.err = fn() })
	return o.err
}

// PreloadRedis stores a value of size bytes under every key (raw bytes, with
// TTL), pipelined, once per process for a given key set name.
func (e *Env) PreloadRedis(ctx context.Context, name string, keys []string, size int) error {
	return e.Once("redis:"+name, func() error {
		v := Value(size)
		for start := 0; start < len(keys); start += 1000 {
			end := min(start+1000, len(keys))
			_, err := e.admin.Pipelined(ctx, func(p goredis.Pipeliner) error {
				for _, k := range keys[start:end] {
					p.Set(ctx, k, v, TTL)
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("bench: preload %s: %w", name, err)
			}
		}
		return nil
	})
}

// Open returns the subject f creates, creating it on the first call for this
// env (subjects are shared between workloads). A factory error is returned on
// every call.
func Open[V any](ctx context.Context, e *Env, f Factory[V]) (Subject[V], error) {
	var zero V
	key := fmt.Sprintf("%T/%s", zero, f.Name)
	var s Subject[V]
	err := e.Once("open:"+key, func() error {
		var err error
		s, err = f.New(ctx, e)
		if err != nil {
			return fmt.Errorf("bench: open %s: %w", f.Name, err)
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.closed {
			_ = s.Close()
			return errors.New("bench: env closed")
		}
		e.subjects[key] = s
		e.order = append(e.order, key)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s != nil {
		return s, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.subjects[key].(Subject[V]), nil
}

// Close closes every subject created, then stops the servers (by pid) and
// removes their directories. It is idempotent.
func (e *Env) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	order := e.order
	subjects := e.subjects
	e.mu.Unlock()

	var errs []error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := len(order) - 1; i >= 0; i-- {
			if err := subjects[order[i]].Close(); err != nil {
				errs = append(errs, fmt.Errorf("close %s: %w", order[i], err))
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		errs = append(errs, errors.New("bench: closing the subjects took over 10s; stopping the servers anyway"))
	}
	if e.admin != nil {
		_ = e.admin.Close()
	}
	if err := e.stopServers(); err != nil {
		errs = append(errs, err)
	}
	if e.stopSignals != nil {
		e.stopSignals()
	}
	return errors.Join(errs...)
}

// stopServers kills the servers this env started. Safe to call from a signal
// handler or a panic, and more than once.
func (e *Env) stopServers() error {
	var err error
	e.stopOnce.Do(func() {
		e.clusterOnce.Do(func() { e.clusterErr = errors.New("bench: env closed") })
		if e.cluster != nil {
			err = e.cluster.Close()
		}
		err = errors.Join(err, e.server.Close())
	})
	return err
}

// Recover, deferred in every benchmark and worker goroutine, stops the servers
// when a panic passes through, then lets the panic go on.
func (e *Env) Recover() {
	if r := recover(); r != nil {
		fmt.Fprintf(os.Stderr, "bench: panic: %v\n%s\nbench: stopping the redis servers\n", r, debug.Stack())
		_ = e.stopServers()
		panic(r)
	}
}
