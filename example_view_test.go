package strata_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/memory"
	"github.com/stratacache/strata/serializer"
)

// page is a reusable buffer that View callbacks copy a value into. Its fill method,
// bound once, captures nothing per call, so reading into it allocates nothing once
// b has the capacity.
type page struct{ b []byte }

func (p *page) fill(v []byte) error {
	p.b = append(p.b[:0], v...) // v is lent: keep a copy, never v itself
	return nil
}

func ExampleCache_View() {
	ctx := context.Background()
	mem, _ := memory.Open(ctx, nil)
	// Raw []byte: View lends fn the stored bytes, with no copy.
	pages := strata.New[[]byte](mem, &strata.Options[[]byte]{Codec: serializer.Raw[[]byte]()})
	defer pages.Close()
	_ = pages.Set(ctx, "home", []byte("<html>...</html>"), strata.DefaultTTL)

	// Use the bytes while fn runs: v must not be modified, nor kept after fn returns.
	err := pages.View(ctx, "home", func(v []byte) error {
		fmt.Println(len(v), bytes.HasPrefix(v, []byte("<html>")))
		return nil
	})
	fmt.Println(err)

	// Or copy them into a buffer of your own, reused from call to call.
	p := &page{b: make([]byte, 0, 64<<10)}
	fill := p.fill
	if err := pages.View(ctx, "home", fill); err == nil {
		fmt.Println(string(p.b))
	}

	// A miss is Get's error, and fn is not called.
	err = pages.View(ctx, "about", fill)
	fmt.Println(err)
	// Output:
	// 16 true
	// <nil>
	// <html>...</html>
	// strata: key not found: key "about"
}
