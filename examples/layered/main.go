// Command layered shows two layered caches (an in-process memory L1 over one shared
// Redis), as two processes of a service would hold them, staying coherent: a write
// through one reaches the other's L1 within a pub/sub hop.
//
//	go run ./examples/layered                                # a throwaway redis-server (on PATH)
//	STRATA_URL=redis://localhost:6379/0 go run ./examples/layered
//	STRATA_URL='layered://?l2=redis%3A%2F%2Flocalhost%3A6379%2F0' go run ./examples/layered
//
// STRATA_URL (or REDIS_URL) may name the Redis to use as L2, or a whole layered URL.
// Without either, the example starts a redis-server of its own with
// drivers/redis/redistest and stops it at the end.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/layered"
	_ "github.com/stratacache/strata/drivers/redis" // redis:// for L2
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/registry"
	"github.com/stratacache/strata/serializer"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// prefix keeps the example's keys (and its invalidation channel) apart on a shared
// Redis.
const prefix = "example:layered:"

func run(ctx context.Context, out io.Writer) error {
	layeredURL, cleanup, err := cacheURL(out)
	if err != nil {
		return err
	}
	defer cleanup()

	// Two adapters with their own L1, Redis connections and subscription: what two
	// processes of a service would each open from the same configuration.
	a, aLayer, err := open(ctx, layeredURL)
	if err != nil {
		return err
	}
	defer a.Close()
	b, bLayer, err := open(ctx, layeredURL)
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintf(out, "two processes share L2; each has an L1 kept at most %v\n", aLayer.L1TTL())

	const key = "greeting"
	// B's L1 holds keys as the cache gives them (the prefix is Redis's namespace).
	inL1 := func() bool {
		_, err := bLayer.L1().Get(ctx, key)
		return err == nil
	}
	_, _ = a.Remove(ctx, key) // a clean start on a shared server

	if err := a.Set(ctx, key, "hello", time.Hour); err != nil {
		return err
	}
	fmt.Fprintln(out, "A: set greeting = hello")
	// Pub/sub is asynchronous: let A's announcement reach B before B reads, as it
	// would long before in a real service.
	time.Sleep(50 * time.Millisecond)
	v, err := b.Get(ctx, key)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "B: get greeting = %s (read from Redis; in B's L1 now: %v)\n", v, inL1())
	start := time.Now()
	v, _ = b.Get(ctx, key)
	fmt.Fprintf(out, "B: get greeting = %s (an L1 hit, in %v)\n", v, time.Since(start).Round(time.Microsecond))

	for _, step := range []struct {
		what  string
		write func() error
	}{
		{"set greeting = bonjour", func() error { return a.Set(ctx, key, "bonjour", time.Hour) }},
		{"remove greeting", func() error { _, err := a.Remove(ctx, key); return err }},
	} {
		if err := step.write(); err != nil {
			return err
		}
		written := time.Now()
		for inL1() {
			if time.Since(written) > 10*time.Second {
				return errors.New("B's L1 was never invalidated")
			}
			time.Sleep(20 * time.Microsecond)
		}
		fmt.Fprintf(out, "A: %s -> B's L1 dropped it %v later\n", step.what, time.Since(written).Round(time.Microsecond))
		v, err := b.Get(ctx, key)
		switch {
		case errors.Is(err, strata.ErrNotFound):
			fmt.Fprintln(out, "B: get greeting: not found")
		case err != nil:
			return err
		default:
			fmt.Fprintf(out, "B: get greeting = %s (in B's L1 now: %v)\n", v, inL1())
		}
	}
	fmt.Fprintf(out, "B is healthy (serving its L1): %v\n", bLayer.Healthy())
	return nil
}

// open opens a typed cache on the layered URL, and returns its layered adapter for
// the inspection this example does (L1 contents, health).
func open(ctx context.Context, rawURL string) (*strata.Cache[string], *layered.Adapter, error) {
	c, err := strata.Open(ctx, rawURL, &strata.Options[string]{Codec: serializer.Raw[string]()})
	if err != nil {
		return nil, nil, err
	}
	l, ok := c.Adapter().(*layered.Adapter)
	if !ok {
		c.Close()
		return nil, nil, fmt.Errorf("%s is not a layered URL", registry.Redact(rawURL))
	}
	return c, l, nil
}

// cacheURL returns the layered URL to use, from STRATA_URL or REDIS_URL or a
// throwaway server, and what to do at the end.
func cacheURL(out io.Writer) (string, func(), error) {
	env := os.Getenv("STRATA_URL")
	if env == "" {
		env = os.Getenv("REDIS_URL")
	}
	if strings.HasPrefix(env, layered.Scheme+"://") {
		fmt.Fprintln(out, "using STRATA_URL")
		return env, func() {}, nil
	}
	cleanup := func() {}
	redisURL := env
	switch {
	case strings.HasPrefix(env, "redis"):
		fmt.Fprintf(out, "L2: %s\n", registry.Redact(env))
	case env == "" || strings.HasPrefix(env, "memory:"):
		srv, err := redistest.NewServer(nil)
		if err != nil {
			return "", nil, fmt.Errorf("no STRATA_URL or REDIS_URL, and no throwaway Redis: %w", err)
		}
		fmt.Fprintf(out, "L2: a throwaway redis-server on %s\n", srv.Addr())
		redisURL, cleanup = srv.URL(), func() { _ = srv.Close() }
	default:
		return "", nil, fmt.Errorf("STRATA_URL %s: want a redis:// or layered:// URL", registry.Redact(env))
	}
	sep := "?"
	if strings.Contains(redisURL, "?") {
		sep = "&"
	}
	l2 := redisURL + sep + "prefix=" + url.QueryEscape(prefix)
	return "layered://?l1=" + url.QueryEscape("memory://") + "&l2=" + url.QueryEscape(l2) + "&l1_ttl=30s", cleanup, nil
}
