package serializer_test

import (
	"testing"

	"github.com/stratacache/strata/serializer"
)

// selfEmbed embeds a pointer to itself. The msgpack library inlines embedded
// structs when it computes a struct's fields, and recursed forever on this
// type, whatever the value (even with the pointer nil): a fatal stack
// overflow on Marshal and on Unmarshal.
type selfEmbed struct {
	*selfEmbed
	X int
}

// selfEmbedNoInline is the fix the error message suggests.
type selfEmbedNoInline struct {
	*selfEmbedNoInline `msgpack:",noinline"`
	X                  int
}

// selfPointer is a pointer type that points to itself.
type selfPointer *selfPointer

func TestMsgPackRejectsSelfEmbeddingTypes(t *testing.T) {
	lowStack(t)
	c := serializer.MsgPack[selfEmbed]()
	_, err := c.Marshal(selfEmbed{X: 1})
	wantCodecErr(t, err, "msgpack cannot encode serializer_test.selfEmbed", "embeds itself", "noinline")
	_, err = c.Unmarshal([]byte{serializer.TagMsgPack, 0x81, 0xa1, 'X', 0x01})
	wantCodecErr(t, err, "msgpack cannot decode into serializer_test.selfEmbed", "embeds itself")
	_, err = serializer.MsgPack[any]().Marshal(map[string]any{"x": []any{&selfEmbed{}}})
	wantCodecErr(t, err, "msgpack cannot encode interface {}", "embeds itself")
	_, err = serializer.MsgPack[[]selfPointer]().Marshal(nil)
	wantCodecErr(t, err, "points to itself")

	roundTrip(t, serializer.MsgPack[selfEmbedNoInline](), selfEmbedNoInline{X: 1}, nil)
	// json and gob handle the type.
	roundTrip(t, serializer.JSON[selfEmbed](), selfEmbed{X: 1}, nil)
	roundTrip(t, serializer.Gob[selfEmbed](), selfEmbed{X: 1}, nil)
}
