package strata_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/memory"
)

// With Options.NegativeTTL, a loader's ErrNotFound is cached: the next calls answer
// ErrCachedAbsence (an ErrNotFound) without asking the database again.
func ExampleOptions_negativeTTL() {
	ctx := context.Background()
	mem, _ := memory.Open(ctx, nil)
	users := strata.New(mem, &strata.Options[string]{NegativeTTL: 30 * time.Second})
	defer users.Close()

	load := func(context.Context) (string, error) {
		fmt.Println("asking the database")
		return "", fmt.Errorf("no user 7: %w", strata.ErrNotFound)
	}
	_, err := users.GetOrSet(ctx, "7", time.Minute, load)
	fmt.Println(err)
	_, err = users.GetOrSet(ctx, "7", time.Minute, load)
	fmt.Println(errors.Is(err, strata.ErrNotFound), errors.Is(err, strata.ErrCachedAbsence))
	// Output:
	// asking the database
	// no user 7: strata: key not found
	// true true
}

// GetOrSet works around a cache that fails (here a driver closed underneath the
// Cache): it loads, returns the value, and tells Options.OnError.
func ExampleOptions_onError() {
	ctx := context.Background()
	mem, _ := memory.Open(ctx, nil)
	prices := strata.New(mem, &strata.Options[float64]{
		OnError: func(op, key string, err error) { fmt.Printf("cache %s of %s failed: %v\n", op, key, err) },
	})
	defer prices.Close()
	mem.Close() // the backend goes away; the Cache stays open

	p, err := prices.GetOrSet(ctx, "sku-1", time.Minute, func(context.Context) (float64, error) { return 9.99, nil })
	fmt.Println(p, err)
	// Output:
	// cache read of sku-1 failed: strata: cache is closed (strata/memory)
	// 9.99 <nil>
}
