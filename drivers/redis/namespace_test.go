package redis

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/registry"
)

// TestChannelIsScopedByTheCacheNamespace: an adapter opened for a strata.Cache with a
// prefix (registry.WithNamespace, as strata.Open does) publishes on a channel of that
// namespace, so applications with different prefixes on one server do not share one.
func TestChannelIsScopedByTheCacheNamespace(t *testing.T) {
	const base = "redis://127.0.0.1:1/0?lazy=true" // lazy: no connection is made
	shop := registry.WithNamespace(context.Background(), "shop:")
	for _, tc := range []struct {
		name string
		ctx  context.Context
		url  string
		want string
	}{
		{"no namespace, no prefix", context.Background(), base, "strata:invalidate:"},
		{"no namespace", context.Background(), base + "&prefix=app:", "strata:invalidate:app:"},
		{"namespace, no prefix", shop, base, "strata:invalidate:shop:"},
		{"namespace after the URL prefix", shop, base + "&prefix=app:", "strata:invalidate:app:shop:"},
		{"an explicit channel wins", shop, base + "&prefix=app:&invalidation_channel=mine", "mine"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := OpenURL(tc.ctx, tc.url)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if a.Channel() != tc.want {
				t.Errorf("Channel() = %q, want %q", a.Channel(), tc.want)
			}
			// The namespace scopes the channel only: keys are the Cache's to prefix.
			if a.Prefix() == "shop:" || a.Prefix() == "app:shop:" {
				t.Errorf("Prefix() = %q: the namespace must not be added to the keys", a.Prefix())
			}
			// registry.Open (strata.Open's path) gives the same channel.
			r, err := registry.Open(tc.ctx, tc.url)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if ch := r.(*Adapter).Channel(); ch != tc.want {
				t.Errorf("registry.Open: Channel() = %q, want %q", ch, tc.want)
			}
		})
	}
}

// TestClearWithAPrefixNeedsNoAdapterPrefix: ErrClearWithoutPrefix guards only a clear
// of every key; an adapter without a prefix clears a cache's namespace.
func TestClearWithAPrefixNeedsNoAdapterPrefix(t *testing.T) {
	ctx := ctxT(t)
	rdb := client(t, serverURL(t))
	a, err := New(rdb, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	base := redistest.RandomPrefix()
	for _, k := range []string{"shop:1", "shop:2", "blog:1", "blog:shop:1"} {
		if err := a.Set(ctx, base+k, []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Clear(ctx, base+"shop:"); err != nil {
		t.Fatalf("Clear(%q) without an adapter prefix: %v", base+"shop:", err)
	}
	got, err := a.GetMany(ctx, []string{base + "shop:1", base + "shop:2", base + "blog:1", base + "blog:shop:1"})
	if err != nil || len(got) != 2 || got[base+"blog:1"] == nil || got[base+"blog:shop:1"] == nil {
		t.Errorf("after Clear(shop:): %q, %v; want only the blog keys", got, err)
	}
	if err := a.Clear(ctx, ""); !errors.Is(err, ErrClearWithoutPrefix) {
		t.Errorf("Clear(\"\") without an adapter prefix = %v, want ErrClearWithoutPrefix", err)
	}
}
