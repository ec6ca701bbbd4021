package serializer_test

import (
	"testing"

	"github.com/stratacache/strata/serializer"
)

// plainRecord is a ~100-byte record of ints and strings: a type that cannot
// form a cycle, so the encode guard should cost next to nothing for it.
type plainRecord struct {
	ID, Version, Owner, Size int64
	Name, Email, Region      string
	Flags                    uint32
}

func samplePlainRecord() plainRecord {
	return plainRecord{ID: 42, Version: 7, Owner: 9, Size: 1 << 20,
		Name: "Ada Lovelace", Email: "ada@example.com", Region: "eu-west-1", Flags: 3}
}

// benchMarshal measures Marshal of v with each tagged codec.
func benchMarshal[V any](b *testing.B, v V, codecs ...serializer.Codec[V]) {
	for _, c := range codecs {
		b.Run(c.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Marshal(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The hot path: a plain struct, which needs no walk.
func BenchmarkMarshalPlainRecord(b *testing.B) {
	benchMarshal(b, samplePlainRecord(), codecsFor[plainRecord]()...)
}

// Interface values must be walked: the worst case for the guard's cost. (gob
// would need the types behind the interfaces registered.)
func BenchmarkMarshalAnyMap(b *testing.B) {
	benchMarshal(b, map[string]any{"id": int64(42), "name": "Ada", "email": "ada@example.com",
		"tags": []any{"a", "b", "c"}, "score": 1.5, "active": true, "home": map[string]any{"zip": int64(12345)}},
		serializer.MsgPack[map[string]any](), serializer.JSON[map[string]any]())
}
