package strata_test

import (
	"context"
	"fmt"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/memory"
)

func ExampleCache_Clear() {
	ctx := context.Background()
	mem, _ := memory.Open(context.Background(), nil)
	// Two caches on one backend, each in its own namespace.
	shop := strata.New[string](mem, &strata.Options[string]{Prefix: "shop:"})
	blog := strata.New[string](mem, &strata.Options[string]{Prefix: "blog:"})
	defer shop.Close() // closes mem, for both

	_ = shop.Set(ctx, "cart", "3 items", strata.DefaultTTL)
	_ = blog.Set(ctx, "post", "hello", strata.DefaultTTL)

	if err := shop.Clear(ctx); err != nil { // removes shop:* only
		fmt.Println(err)
	}
	_, err := shop.Get(ctx, "cart")
	fmt.Println(err != nil)
	post, _ := blog.Get(ctx, "post")
	fmt.Println(post)
	// Output:
	// true
	// hello
}
