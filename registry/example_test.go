package registry_test

import (
	"context"
	"fmt"
	"log"
	"net/url"

	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/registry"
)

// A Mux of your own holds schemes without touching the process-wide DefaultMux, as
// a test or a program with its own drivers may want.
func ExampleMux() {
	var mux registry.Mux
	mux.Register("scratch", registry.FactoryOf(func(ctx context.Context, u *url.URL) (*memory.Adapter, error) {
		return memory.Open(context.Background(), nil)
	}))
	a, err := mux.Open(context.Background(), "scratch://")
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	fmt.Println(mux.Schemes())
	_, err = mux.Open(context.Background(), "memory://")
	fmt.Println(err != nil)
	// Output:
	// [scratch]
	// true
}
