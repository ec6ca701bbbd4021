package serializer

import (
	"bytes"
	"encoding/gob"
	"reflect"
	"strings"
	"testing"
)

// The guard's own cost, without the encoders around it (whose run-to-run
// noise on a shared machine is larger than what the guard adds).

// The walk of a map decoded from JSON, the shape that needs one.
func BenchmarkEncodeGuardAnyMap(b *testing.B) {
	m := map[string]any{"id": int64(42), "name": "Ada", "email": "ada@example.com",
		"tags": []any{"a", "b", "c"}, "score": 1.5, "active": true, "home": map[string]any{"zip": int64(12345)}}
	g := msgpackRules.info(reflect.TypeFor[map[string]any]())
	b.ReportAllocs()
	for b.Loop() {
		if err := checkEncode(g, &m); err != nil {
			b.Fatal(err)
		}
	}
}

// The walk of a 100 KB gob stream that Unmarshal adds before gob decodes it.
func BenchmarkGobCheckDepth(b *testing.B) {
	type user struct {
		Name string
		Tags []string
		Data []byte
	}
	u := user{Name: strings.Repeat("x", 1024), Data: make([]byte, 2048)}
	for i := range 2000 {
		u.Tags = append(u.Tags, strings.Repeat("h", i%100))
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&u); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if err := gobCheckDepth(buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
