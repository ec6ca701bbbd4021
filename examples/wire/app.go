// Command wire shows Strata with google/wire dependency injection: the injector in
// wire.go is generated into wire_gen.go by `make wire` (go tool wire gen), and
// wire_gen_test.go fails when the generated file is stale.
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/stratacache/strata/adapter"
	_ "github.com/stratacache/strata/drivers/all"
)

// User is what the application caches.
type User struct{ Name string }

// App is an application that depends only on adapter.Adapter: which backend it gets
// is decided by configuration (STRATA_URL), through registry.ProviderSet.
type App struct {
	Users *adapter.Cache[User]
}

// NewApp is the application's own provider.
func NewApp(a adapter.Adapter) *App {
	return &App{Users: adapter.New(a, &adapter.Options[User]{Prefix: "users:"})}
}

func main() {
	ctx := context.Background()
	app, cleanup, err := InitializeApp(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer cleanup()
	if err := app.Users.Set(ctx, "1", User{Name: "Ada"}, adapter.DefaultTTL); err != nil {
		log.Fatal(err)
	}
	u, err := app.Users.Get(ctx, "1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("wired cache returned", u.Name)
}
