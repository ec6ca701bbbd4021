package serializer_test

import (
	"errors"
	"testing"

	"github.com/stratacache/strata/serializer"
)

func TestMsgPackUnmarshalTo(t *testing.T) {
	type rec struct {
		A string
		B []int
	}
	c := serializer.MsgPack[rec]()
	to, ok := c.(serializer.UnmarshalerTo[rec])
	if !ok {
		t.Fatal("MsgPack does not implement UnmarshalerTo")
	}
	if cu, ok := c.(serializer.CopyingUnmarshaler); !ok || !cu.UnmarshalCopies() {
		t.Fatal("MsgPack does not report UnmarshalCopies")
	}
	if _, ok := serializer.Raw[[]byte]().(serializer.CopyingUnmarshaler); ok {
		t.Fatal("Raw must not claim to copy: it returns its input")
	}
	b, err := c.Marshal(rec{A: "x", B: []int{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	var got rec
	if err := to.UnmarshalTo(b, &got); err != nil || got.A != "x" || len(got.B) != 2 {
		t.Fatalf("UnmarshalTo: %+v, %v", got, err)
	}
	var bad rec
	if err := to.UnmarshalTo(b[:len(b)-1], &bad); !errors.Is(err, serializer.ErrCodec) {
		t.Fatalf("corrupted: %v", err)
	}
	if err := to.UnmarshalTo([]byte("junk"), &bad); !errors.Is(err, serializer.ErrCodec) {
		t.Fatalf("untagged: %v", err)
	}
}
