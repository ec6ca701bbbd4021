package strata_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/memory"
)

func Example() {
	ctx := context.Background()
	mem, err := memory.Open(context.Background(), nil)
	if err != nil {
		panic(err)
	}
	type User struct{ Name string }
	users := strata.New(mem, &strata.Options[User]{Prefix: "users:"})
	defer users.Close()

	_ = users.Set(ctx, "42", User{Name: "Ada"}, strata.DefaultTTL)
	u, _ := users.Get(ctx, "42")
	fmt.Println(u.Name)

	_, err = users.Get(ctx, "43")
	fmt.Println(errors.Is(err, strata.ErrNotFound))

	guest, _ := users.GetOrDefault(ctx, "43", User{Name: "guest"})
	fmt.Println(guest.Name)
	// Output:
	// Ada
	// true
	// guest
}

func ExampleCache_GetOrSet() {
	ctx := context.Background()
	mem, _ := memory.Open(context.Background(), nil)
	prices := strata.New[float64](mem, nil)
	defer prices.Close()

	load := func(ctx context.Context) (float64, error) {
		fmt.Println("loading")
		return 9.99, nil
	}
	p1, _ := prices.GetOrSet(ctx, "sku-1", time.Minute, load)
	p2, _ := prices.GetOrSet(ctx, "sku-1", time.Minute, load) // a hit: no load
	fmt.Println(p1, p2)
	// Output:
	// loading
	// 9.99 9.99
}

func ExampleCache_Remove() {
	ctx := context.Background()
	mem, _ := memory.Open(context.Background(), nil)
	c := strata.New[string](mem, nil)
	defer c.Close()

	_ = c.Set(ctx, "a", "1", strata.DefaultTTL)
	_ = c.Set(ctx, "b", "2", strata.DefaultTTL)
	all, _ := c.Remove(ctx, "a", "b")
	fmt.Println(all)
	all, _ = c.Remove(ctx, "a", "c")
	fmt.Println(all)
	// Output:
	// true
	// false
}

func ExampleCache_UpdateTimeout() {
	ctx := context.Background()
	mem, _ := memory.Open(context.Background(), nil)
	c := strata.New[string](mem, nil)
	defer c.Close()

	_ = c.Set(ctx, "session", "alice", time.Second)
	v, _ := c.UpdateTimeout(ctx, "session", strata.NoExpiration) // keep it
	fmt.Println(v)
	// Output: alice
}

// Configuration writes durations the way people do.
func ExampleParseTTL() {
	for _, s := range []string{"10m", "1h30m", "never", ""} {
		d, err := strata.ParseTTL(s)
		fmt.Printf("%q: %v %v -> %q\n", s, d, err, strata.FormatTTL(d))
	}
	// Output:
	// "10m": 10m0s <nil> -> "10m"
	// "1h30m": 1h30m0s <nil> -> "1h30m"
	// "never": -1ns <nil> -> "never"
	// "": 0s <nil> -> ""
}
