//go:build !race

// The race detector makes sync.Pool drop items at random, so allocation counts
// hold only without it.

package strata_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/layered"
	"github.com/stratacache/strata/serializer"
)

// TestViewAllocations: a View hit of a 10 KiB Raw []byte value allocates nothing
// over drivers/memory and drivers/layered's L1, with counting on or off.
func TestViewAllocations(t *testing.T) {
	for _, d := range driverKinds(t) {
		if d.name == "redis" {
			continue
		}
		for _, count := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/count=%v", d.name, count), func(t *testing.T) {
				ctx := testCtx(t)
				c := strata.New(openDriver(t, d), &strata.Options[[]byte]{Codec: serializer.Raw[[]byte](), CountStats: count})
				must(t, c.Set(ctx, "k", bytes.Repeat([]byte("x"), 10<<10), time.Hour))
				if l, ok := c.Adapter().(*layered.Adapter); ok {
					eventually(t, 30*time.Second, "layered healthy", l.Healthy)
				}
				must(t, c.View(ctx, "k", viewFn)) // layered: from L2, filling L1
				n := testing.AllocsPerRun(200, func() {
					if err := c.View(ctx, "k", viewFn); err != nil {
						t.Fatal(err)
					}
				})
				if n != 0 {
					t.Fatalf("View of a 10 KiB hit allocated %v times; want 0", n)
				}
				// Copying into a buffer of the caller's (see ExampleCache_View) is free too.
				p := &page{b: make([]byte, 0, 16<<10)}
				fill := p.fill
				n = testing.AllocsPerRun(200, func() {
					if err := c.View(ctx, "k", fill); err != nil || len(p.b) != 10<<10 {
						t.Fatalf("View into a buffer: %v, %d bytes", err, len(p.b))
					}
				})
				if n != 0 {
					t.Fatalf("View into a buffer with room allocated %v times; want 0", n)
				}
				if count {
					if s := c.Stats(); s.Hits < 200 {
						t.Fatalf("Stats().Hits = %d after 200+ View hits", s.Hits)
					}
				}
			})
		}
	}
}
