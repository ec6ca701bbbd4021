package memory

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"
)

var zsink []byte

func scratchAdapter(b *testing.B) (*Adapter, []string) {
	a, _ := New(nil)
	b.Cleanup(func() { a.Close() })
	ks := make([]string, 1024)
	for i := range ks {
		ks[i] = fmt.Sprintf("bench:key:%06d", i)
		a.Set(context.Background(), ks[i], make([]byte, 100), 5*time.Minute)
	}
	return a, ks
}

func BenchmarkZ1RawEntryCopy(b *testing.B) {
	a, ks := scratchAdapter(b)
	i := 0
	for b.Loop() {
		e, _ := a.rc.Get(ks[i%1024])
		zsink = bytes.Clone(e.buf[e.klen:])
		i++
	}
}
func BenchmarkZ2PlusIs(b *testing.B) {
	a, ks := scratchAdapter(b)
	i := 0
	for b.Loop() {
		k := ks[i%1024]
		e, ok := a.rc.Get(k)
		if !ok || !e.is(k) {
			b.Fatal()
		}
		zsink = e.value()
		i++
	}
}
func BenchmarkZ3PlusGate(b *testing.B) {
	a, ks := scratchAdapter(b)
	i := 0
	for b.Loop() {
		k := ks[i%1024]
		s := a.enter()
		e, ok := a.rc.Get(k)
		a.leave(s)
		if !ok || !e.is(k) {
			b.Fatal()
		}
		zsink = e.value()
		i++
	}
}
func BenchmarkZ4Full(b *testing.B) {
	a, ks := scratchAdapter(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		zsink, _ = a.Get(ctx, ks[i%1024])
		i++
	}
}
