package serializer_test

import (
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/stratacache/strata/serializer"
)

// benchValues returns a typical cached record, a ~4 KiB one and a ~100 KiB one.
func benchValues() map[string]User {
	small := User{ID: 42, Name: "ann", Tags: []string{"admin"}, Home: Address{Street: "Main", Zip: 1}, Active: true}
	large := sampleUser()
	large.Name = strings.Repeat("x", 1024)
	large.Data = make([]byte, 2048)
	for i := range 50 {
		large.Tags = append(large.Tags, strings.Repeat("t", i))
	}
	huge := large
	for i := range 2000 {
		huge.Tags = append(huge.Tags, strings.Repeat("h", i%100))
	}
	return map[string]User{"small": small, "large": large, "huge": huge}
}

func BenchmarkMarshal(b *testing.B) {
	for size, v := range benchValues() {
		for _, tc := range encodingCodecs() {
			b.Run(tc.name+"/"+size, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := tc.user.Marshal(v); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		// The library alone, for comparison: the tag should cost next to nothing.
		b.Run("msgpack.Marshal/"+size, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := msgpack.Marshal(&v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	for size, v := range benchValues() {
		for _, tc := range encodingCodecs() {
			data, err := tc.user.Marshal(v)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(tc.name+"/"+size, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := tc.user.Unmarshal(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		data, err := msgpack.Marshal(&v)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("msgpack.Unmarshal/"+size, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var u User
				if err := msgpack.Unmarshal(data, &u); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRaw(b *testing.B) {
	data := []byte(strings.Repeat("v", 512))
	b.Run("bytes", func(b *testing.B) {
		c := serializer.Raw[[]byte]()
		b.ReportAllocs()
		for b.Loop() {
			out, _ := c.Marshal(data)
			_, _ = c.Unmarshal(out)
		}
	})
	b.Run("string", func(b *testing.B) {
		c := serializer.Raw[string]()
		s := string(data)
		b.ReportAllocs()
		for b.Loop() {
			out, _ := c.Marshal(s)
			_, _ = c.Unmarshal(out)
		}
	})
}
