// Command wire shows Strata with google/wire dependency injection: the injector in
// wire.go is generated into wire_gen.go by `make wire` (go tool wire gen), and
// wire_gen_test.go fails when the generated file is stale.
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	_ "github.com/stratacache/strata/drivers/all"
)

// User is what the application caches.
type User struct{ Name string }

// App is an application that depends only on adapter.Adapter and the Config: which
// backend it gets, and its prefix, default TTL and serializer, are decided by
// configuration (STRATA_URL, STRATA_PREFIX, STRATA_DEFAULT_TTL, STRATA_SERIALIZER),
// through strata.ProviderSet.
type App struct {
	Users *strata.Cache[User]
}

// NewApp is the application's own provider. It applies every field of cfg and keeps
// its users under "users:" within the configured prefix.
func NewApp(a adapter.Adapter, cfg strata.Config) (*App, error) {
	opts, err := strata.ConfigOptions[User](cfg)
	if err != nil {
		return nil, err
	}
	opts.Prefix += "users:"
	return &App{Users: strata.New(a, opts)}, nil
}

func main() {
	ctx := context.Background()
	app, cleanup, err := InitializeApp(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer cleanup()
	if err := app.Users.Set(ctx, "1", User{Name: "Ada"}, strata.DefaultTTL); err != nil {
		log.Fatal(err)
	}
	u, err := app.Users.Get(ctx, "1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("wired cache returned", u.Name)
}
