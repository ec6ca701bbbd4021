package memory_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
)

func Example() {
	ctx := context.Background()
	mem, err := memory.Open(context.Background(), &memory.Options{MaxCost: 32 << 20, Grace: 30 * time.Second})
	if err != nil {
		panic(err)
	}
	type User struct {
		Name  string
		Admin bool
	}
	users := strata.New(mem, &strata.Options[User]{Prefix: "users:"})
	defer users.Close() // closes mem too

	_ = users.Set(ctx, "42", User{Name: "Ada", Admin: true}, 10*time.Minute)
	u, err := users.Get(ctx, "42")
	fmt.Println(u.Name, u.Admin, err)

	guest, _ := users.GetOrDefault(ctx, "43", User{Name: "guest"})
	fmt.Println(guest.Name)

	removed, _ := users.Remove(ctx, "42")
	_, err = users.Get(ctx, "42")
	fmt.Println(removed, errors.Is(err, adapter.ErrNotFound))
	// Output:
	// Ada true <nil>
	// guest
	// true true
}

func ExampleAdapter_Stats() {
	mem, _ := memory.Open(context.Background(), &memory.Options{MaxCost: 1 << 20})
	defer mem.Close()

	_ = mem.Set(context.Background(), "k", make([]byte, 1000), time.Minute)
	st := mem.Stats()
	fmt.Println(st.MaxCost, st.Cost > 1000, st.Cost <= st.MaxCost)
	// Output:
	// 1048576 true true
}
