package layered

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/serializer"
)

type benchItem struct {
	ID      int64    `msgpack:"id"`
	Name    string   `msgpack:"name"`
	Email   string   `msgpack:"email"`
	Tags    []string `msgpack:"tags"`
	Score   float64  `msgpack:"score"`
	Created int64    `msgpack:"created"`
	Active  bool     `msgpack:"active"`
}

// BenchmarkGetL1Typed is an L1 hit through strata.Cache: Cache[benchItem] with
// msgpack (bench.Item's shape), and Cache[[]byte] with Raw (100 bytes). L2 is a
// memory adapter: an L1 hit never reaches it.
func BenchmarkGetL1Typed(b *testing.B) {
	const nkeys = 1024
	ctx := context.Background()
	keys := make([]string, nkeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("bench:key:%06d", i)
	}
	lay := newLayered(b, newMem(b, nil), newMem(b, nil), nil)
	item := benchItem{
		ID: 4242, Name: "Ada Lovelace", Email: "ada@example.org",
		Tags: []string{"admin", "beta", "eu-west"}, Score: 97.5, Created: 1700000000, Active: true,
	}
	typed := strata.New(lay, &strata.Options[benchItem]{Codec: serializer.MsgPack[benchItem](), Prefix: "t:"})
	raw := strata.New(lay, &strata.Options[[]byte]{Codec: serializer.Raw[[]byte](), Prefix: "r:"})
	for _, k := range keys {
		if err := typed.Set(ctx, k, item, 5*time.Minute); err != nil {
			b.Fatal(err)
		}
		if err := raw.Set(ctx, k, make([]byte, 100), 5*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	var sinkItem benchItem
	var sinkB []byte
	b.Run("codec=msgpack", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			v, err := typed.Get(ctx, keys[i%nkeys])
			if err != nil {
				b.Fatal(err)
			}
			sinkItem = v
			i++
		}
	})
	b.Run("codec=raw", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			v, err := raw.Get(ctx, keys[i%nkeys])
			if err != nil {
				b.Fatal(err)
			}
			sinkB = v
			i++
		}
	})
	_, _ = sinkItem, sinkB
}
