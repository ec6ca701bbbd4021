package layered_test

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/layered"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/serializer"
)

// A memory L1 over a memory L2 (in production, L2 is drivers/redis, shared by every
// process): reads fill L1 for at most L1TTL, writes go to L2 first, then L1.
func Example() {
	ctx := context.Background()
	l1, _ := memory.Open(context.Background(), nil)
	l2, _ := memory.Open(context.Background(), nil)
	a, err := layered.New(l1, l2, &layered.Options{L1TTL: 30 * time.Second})
	if err != nil {
		panic(err)
	}
	users := strata.New(a, &strata.Options[string]{Prefix: "users:", Codec: serializer.Raw[string]()})
	defer users.Close() // closes a, and with it l1 and l2

	_ = users.Set(ctx, "42", "Ada", time.Hour)
	name, _ := users.Get(ctx, "42") // an L1 hit
	fmt.Println(name)

	// L1 keeps the entry for L1TTL, not the hour L2 keeps it.
	_, inL1, _ := l1.GetWithTTL(ctx, "users:42")
	fmt.Println("L1 keeps it at most 30s:", inL1 <= 30*time.Second)
	_, inL2, _ := l2.GetWithTTL(ctx, "users:42")
	fmt.Println("L2 keeps it about an hour:", inL2 > 59*time.Minute)

	// A value already in L2 (written by another process) is read through and
	// back-filled into L1 for the shorter of its remaining TTL and L1TTL.
	_ = l2.Set(ctx, "users:7", []byte("Grace"), 10*time.Second)
	name, _ = users.Get(ctx, "7")
	_, ttl, _ := l1.GetWithTTL(ctx, "users:7")
	fmt.Println(name, "back-filled for at most 10s:", ttl <= 10*time.Second)
	// Output:
	// Ada
	// L1 keeps it at most 30s: true
	// L2 keeps it about an hour: true
	// Grace back-filled for at most 10s: true
}

// Opening a layered cache from a URL: the layers' URLs are query-escaped.
func Example_url() {
	ctx := context.Background()
	raw := "layered://?l1=" + url.QueryEscape("memory://?max_cost=16MiB") +
		"&l2=" + url.QueryEscape("memory://") + // e.g. redis://cache:6379/0?prefix=app:
		"&l1_ttl=30s"
	fmt.Println(raw)
	c, err := strata.Open[string](ctx, raw, nil)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	_ = c.Set(ctx, "k", "v", adapter.DefaultTTL)
	v, _ := c.Get(ctx, "k")
	fmt.Println(v)
	// Output:
	// layered://?l1=memory%3A%2F%2F%3Fmax_cost%3D16MiB&l2=memory%3A%2F%2F&l1_ttl=30s
	// v
}
