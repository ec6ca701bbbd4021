package redis_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// OpenURL dials the server a URL names and owns the client; a typed cache goes on top.
// A throwaway redistest server stands in for yours.
func ExampleOpenURL() {
	srv, err := redistest.NewServer(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()

	a, err := redis.OpenURL(ctx, srv.URL()+"?prefix=example:")
	if err != nil {
		log.Fatal(err)
	}
	users := strata.New[string](a, nil) // closing users closes a and its client
	defer users.Close()

	if err := users.Set(ctx, "42", "Ada", time.Minute); err != nil {
		log.Fatal(err)
	}
	name, err := users.Get(ctx, "42")
	fmt.Println(name, err)
	_, err = users.Get(ctx, "43")
	fmt.Println(errors.Is(err, strata.ErrNotFound))
	// Output:
	// Ada <nil>
	// true
}

// New wraps a go-redis client you own (your hooks, tracing, Sentinel or Cluster
// options); the adapter never closes it.
func ExampleNew() {
	srv, err := redistest.NewServer(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()

	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
	defer rdb.Close()
	a, err := redis.New(rdb, &redis.Options{Prefix: "example:"})
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()

	if err := a.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		log.Fatal(err)
	}
	raw, err := rdb.Get(ctx, "example:k").Result() // what other clients see
	fmt.Println(raw, err)
	// Output: v <nil>
}
