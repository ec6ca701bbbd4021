// Command quickstart tours Strata on the backend STRATA_URL names, "memory://" by
// default, so it needs no server:
//
//	go run ./examples/quickstart
//	STRATA_URL=redis://localhost:6379/0 go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/stratacache/strata"
	_ "github.com/stratacache/strata/drivers/all"
)

// User is the value we cache; the default codec (msgpack) needs no tags.
type User struct {
	ID    int
	Name  string
	Email string
}

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	cfg, err := strata.FromEnv()
	if err != nil {
		return err
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "quickstart:" // keep our keys apart on a shared server
	}
	users, err := strata.OpenConfig[User](ctx, cfg)
	if err != nil {
		return err
	}
	defer users.Close()
	fmt.Printf("opened %s\n", cfg)

	// Set and Get a struct. DefaultTTL means the cache's default: 5 minutes.
	ada := User{ID: 1, Name: "Ada", Email: "ada@example.com"}
	if err := users.Set(ctx, "1", ada, strata.DefaultTTL); err != nil {
		return err
	}
	got, err := users.Get(ctx, "1")
	if err != nil {
		return err
	}
	fmt.Printf("get 1: %+v\n", got)

	// A missing key: an error wrapping ErrNotFound, or a default.
	_, err = users.Get(ctx, "404")
	fmt.Printf("get 404: not found=%v (%v)\n", errors.Is(err, strata.ErrNotFound), err)
	guest, err := users.GetOrDefault(ctx, "404", User{Name: "guest"})
	if err != nil {
		return err
	}
	fmt.Printf("get 404 with default: %s\n", guest.Name)

	// A short TTL expires.
	if err := users.Set(ctx, "temp", ada, 100*time.Millisecond); err != nil {
		return err
	}
	time.Sleep(150 * time.Millisecond)
	_, err = users.Get(ctx, "temp")
	fmt.Printf("get temp after its 100ms TTL: expired=%v\n", errors.Is(err, strata.ErrNotFound))

	// UpdateTimeout extends the life of a key and returns its value.
	if err := users.Set(ctx, "2", User{ID: 2, Name: "Grace"}, time.Second); err != nil {
		return err
	}
	kept, err := users.UpdateTimeout(ctx, "2", strata.NoExpiration)
	if err != nil {
		return err
	}
	fmt.Printf("update-timeout 2 to never expire: %s\n", kept.Name)

	// Remove reports whether every key existed.
	all, err := users.Remove(ctx, "1", "2")
	if err != nil {
		return err
	}
	some, err := users.Remove(ctx, "1", "3")
	if err != nil {
		return err
	}
	fmt.Printf("remove 1,2: all existed=%v; remove 1,3 again: all existed=%v\n", all, some)

	// GetOrSet calls the loader once on a miss and caches what it returns.
	loads := 0
	load := func(context.Context) (User, error) {
		loads++
		return User{ID: 7, Name: "Linus"}, nil
	}
	for range 3 {
		if _, err := users.GetOrSet(ctx, "7", time.Minute, load); err != nil {
			return err
		}
	}
	fmt.Printf("get-or-set 7 three times: loader ran %d time(s)\n", loads)
	_, _ = users.Remove(ctx, "7") // leave a shared server as we found it
	if len(os.Args) > 1 {
		fmt.Println("(quickstart takes no arguments; configure it with STRATA_URL)")
	}
	return nil
}
