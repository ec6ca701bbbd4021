package layered

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// app is one application process: a strata.Cache opened with strata.Open on a
// layered URL, and the layers underneath it.
type app struct {
	*strata.Cache[string]
	la *Adapter
	l1 *memory.Adapter
	l2 *redis.Adapter
}

// openApp opens a layered cache over Redis at rawURL, under the URL prefix urlPrefix,
// with the cache prefix prefix, as an application would.
func openApp(t *testing.T, rawURL, urlPrefix, prefix string) *app {
	t.Helper()
	u := layeredURL("l2=" + esc(withParams(rawURL, "prefix="+esc(urlPrefix))))
	c, err := strata.Open(ctxT(t), u, &strata.Options[string]{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	la := c.Adapter().(*Adapter)
	a := &app{Cache: c, la: la, l1: la.L1().(*memory.Adapter), l2: la.L2().(*redis.Adapter)}
	eventually(t, 30*time.Second, "the layered cache serves L1", la.Healthy)
	return a
}

// holds reports whether the app's L1 holds its cache's key.
func (a *app) holds(t *testing.T, prefix, key string) bool {
	t.Helper()
	_, ok := inL1(t, a.l1, prefix+key)
	return ok
}

// TestTwoApplicationsOnOneRedisStayApart: two applications open layered caches on one
// Redis, under one URL prefix, with the cache prefixes "shop:" and "blog:". Nothing
// one does (writes, removals, Clear) is published where the other listens, and the
// other keeps every key, in L2 and in its L1.
func TestTwoApplicationsOnOneRedisStayApart(t *testing.T) {
	ctx := ctxT(t)
	rawURL := serverURL(t)
	urlPrefix := redistest.RandomPrefix()
	shop := openApp(t, rawURL, urlPrefix, "shop:")
	blog := openApp(t, rawURL, urlPrefix, "blog:")
	blog2 := openApp(t, rawURL, urlPrefix, "blog:") // a second process of the blog

	if want := redis.DefaultChannelPrefix + urlPrefix + "shop:"; shop.l2.Channel() != want {
		t.Errorf("shop's channel = %q, want %q", shop.l2.Channel(), want)
	}
	if want := redis.DefaultChannelPrefix + urlPrefix + "blog:"; blog.l2.Channel() != want {
		t.Errorf("blog's channel = %q, want %q", blog.l2.Channel(), want)
	}
	if blog2.l2.Channel() != blog.l2.Channel() {
		t.Errorf("two processes of the blog use the channels %q and %q", blog.l2.Channel(), blog2.l2.Channel())
	}

	// The blog's keys, in L2 and in the blog's L1; "marker" is in both blog L1s.
	keys := []string{"1", "2", "shop:1"}
	for _, k := range append(slices.Clone(keys), "marker") {
		if err := blog.Set(ctx, k, "blog "+k, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 10*time.Second, "blog2 caches the marker in L1", func() bool {
		_, _ = blog2.Get(ctx, "marker")
		return blog2.holds(t, "blog:", "marker")
	})
	for _, k := range keys {
		if !blog.holds(t, "blog:", k) {
			t.Fatalf("blog's L1 lacks %q after its own Set", k)
		}
	}

	// A spy on the blog's channel, subscribed before the shop does anything.
	spy := openRedis(t, rawURL, urlPrefix, "invalidation_channel="+esc(blog.l2.Channel()))
	defer spy.Close()
	heard := make(chan []string, 100)
	stop, err := spy.SubscribeAll(ctx, func(_ string, keys []string) {
		if !slices.ContainsFunc(keys, isProbe) {
			heard <- keys
		}
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	// The shop writes the same keys, removes some, and clears its namespace.
	for _, k := range keys {
		if err := shop.Set(ctx, k, "shop "+k, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := shop.SetMany(ctx, map[string]string{"3": "x", "4": "y"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := shop.Remove(ctx, "1", "3"); err != nil {
		t.Fatal(err)
	}
	if _, err := shop.UpdateTimeout(ctx, "2", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := shop.Clear(ctx); err != nil {
		t.Fatal(err)
	}

	// Then blog2 changes the marker. Pub/sub keeps the order of one channel's
	// messages, so the first the spy hears must be that one, and once the blog has
	// dropped the marker from its L1 it has handled everything published before.
	if err := blog2.Set(ctx, "marker", "changed", time.Hour); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-heard:
		if !slices.Equal(got, []string{"blog:marker"}) {
			t.Errorf("the blog's channel carried %q: the shop's writes reached the blog", got)
		}
	case <-ctx.Done():
		t.Fatal("the spy heard nothing on the blog's channel")
	}
	eventually(t, 10*time.Second, "blog drops the marker blog2 changed", func() bool {
		return !blog.holds(t, "blog:", "marker")
	})
	for _, k := range keys {
		if !blog.holds(t, "blog:", k) {
			t.Errorf("blog's L1 lost %q to the shop's writes or Clear", k)
		}
		if v, err := blog.l2.Get(ctx, "blog:"+k); err != nil || string(v) == "" {
			t.Errorf("the shop's Clear removed blog:%s from Redis: %q, %v", k, v, err)
		}
		if v, err := blog.Get(ctx, k); err != nil || v != "blog "+k {
			t.Errorf("blog Get(%q) = %q, %v", k, v, err)
		}
	}
	// The shop's own namespace is empty, in Redis and in its L1.
	for _, k := range append(slices.Clone(keys), "3", "4") {
		if shop.holds(t, "shop:", k) {
			t.Errorf("shop's L1 holds %q after its Clear", k)
		}
		if _, err := shop.Get(ctx, k); !errors.Is(err, adapter.ErrNotFound) {
			t.Errorf("shop Get(%q) after its Clear = %v", k, err)
		}
	}
}

// TestOneApplicationStaysCoherent: two processes of one application (the same URL
// and cache prefix) share their channel: a write, a removal and a Clear in one drop
// the keys from the other's L1.
func TestOneApplicationStaysCoherent(t *testing.T) {
	ctx := ctxT(t)
	rawURL := serverURL(t)
	urlPrefix := redistest.RandomPrefix()
	p1 := openApp(t, rawURL, urlPrefix, "shop:")
	p2 := openApp(t, rawURL, urlPrefix, "shop:")
	if p1.l2.Channel() != p2.l2.Channel() || !strings.HasSuffix(p1.l2.Channel(), "shop:") {
		t.Fatalf("channels %q and %q: want one, of the shop", p1.l2.Channel(), p2.l2.Channel())
	}
	cached := func(k, want string) func() bool {
		return func() bool {
			v, err := p2.Get(ctx, k)
			return err == nil && v == want && p2.holds(t, "shop:", k)
		}
	}

	if err := p1.Set(ctx, "k", "v1", time.Hour); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "p2 caches k=v1 in L1", cached("k", "v1"))
	if err := p1.Set(ctx, "k", "v2", time.Hour); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "p2 sees p1's write of k", func() bool {
		v, err := p2.Get(ctx, "k")
		return err == nil && v == "v2"
	})
	if _, err := p1.Remove(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "p2 sees p1's removal of k", func() bool {
		_, err := p2.Get(ctx, "k")
		return errors.Is(err, adapter.ErrNotFound)
	})

	for _, k := range []string{"a", "b"} {
		if err := p1.Set(ctx, k, "v", time.Hour); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "p2 caches "+k+" in L1", cached(k, "v"))
	}
	if err := p1.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "p2 drops the cleared keys from L1", func() bool {
		return !p2.holds(t, "shop:", "a") && !p2.holds(t, "shop:", "b")
	})
	for _, k := range []string{"a", "b"} {
		if _, err := p2.Get(ctx, k); !errors.Is(err, adapter.ErrNotFound) {
			t.Errorf("p2 Get(%q) after p1's Clear = %v", k, err)
		}
	}
}
