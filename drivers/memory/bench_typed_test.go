package memory_test

import (
	"context"
	"testing"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/serializer"
)

// benchItem is the struct of bench.Item (the peer comparison's typed workload):
// about 100 bytes in msgpack.
type benchItem struct {
	ID      int64    `msgpack:"id"`
	Name    string   `msgpack:"name"`
	Email   string   `msgpack:"email"`
	Tags    []string `msgpack:"tags"`
	Score   float64  `msgpack:"score"`
	Created int64    `msgpack:"created"`
	Active  bool     `msgpack:"active"`
}

var (
	sampleItem = benchItem{
		ID: 4242, Name: "Ada Lovelace", Email: "ada@example.org",
		Tags: []string{"admin", "beta", "eu-west"}, Score: 97.5, Created: 1700000000, Active: true,
	}
	sinkItem benchItem
)

// BenchmarkRistrettoGetItem is the floor of a typed hit: ristretto returning the
// stored msgpack bytes, decoded with the same codec, no copy.
func BenchmarkRistrettoGetItem(b *testing.B) {
	codec := serializer.MsgPack[benchItem]()
	enc, err := codec.Marshal(sampleItem)
	if err != nil {
		b.Fatal(err)
	}
	rc := newRistretto(b, benchTTL)
	for _, k := range benchKeyList {
		rc.SetWithTTL(k, enc, int64(len(k)+len(enc)), benchTTL)
	}
	rc.Wait()
	get := ristrettoGet(rc, nil)
	loopGets(b, func(ctx context.Context, key string) (benchItem, error) {
		v, err := get(ctx, key)
		if err != nil {
			return benchItem{}, err
		}
		return codec.Unmarshal(v)
	}, &sinkItem)
}

// BenchmarkCacheGetItem is a typed hit through strata.Cache[benchItem] (msgpack).
func BenchmarkCacheGetItem(b *testing.B) {
	c := strata.New(open(b, nil), &strata.Options[benchItem]{Codec: serializer.MsgPack[benchItem]()})
	ctx := context.Background()
	for _, k := range benchKeyList {
		if err := c.Set(ctx, k, sampleItem, benchTTL); err != nil {
			b.Fatal(err)
		}
	}
	loopGets(b, c.Get, &sinkItem)
}
