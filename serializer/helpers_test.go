package serializer_test

import (
	"github.com/stratacache/strata/serializer"
)

// Address and User are the structs the tests round-trip.
type Address struct {
	Street string
	Zip    int
}

type User struct {
	ID     int64
	Name   string
	Tags   []string
	Attrs  map[string]string
	Home   Address
	Prev   *Address
	Score  float64
	Active bool
	Data   []byte
}

func sampleUser() User {
	return User{
		ID:     42,
		Name:   "Zoë <admin>",
		Tags:   []string{"a", "b"},
		Attrs:  map[string]string{"k": "v", "x": ""},
		Home:   Address{Street: "Main St", Zip: 12345},
		Prev:   &Address{Street: "Old Rd", Zip: -1},
		Score:  3.25,
		Active: true,
		Data:   []byte{0, 1, 0xff},
	}
}

// taggedCodec is a codec that writes a format tag, with its tag.
type taggedCodec struct {
	name string
	tag  byte
	user serializer.Codec[User]
}

// taggedCodecs lists the codecs that write a format tag: msgpack and gob.
func taggedCodecs() []taggedCodec {
	return []taggedCodec{
		{"msgpack", serializer.TagMsgPack, serializer.MsgPack[User]()},
		{"gob", serializer.TagGob, serializer.Gob[User]()},
	}
}

// encodingCodecs lists every codec that encodes values: the tagged ones and
// JSON, which writes plain JSON (its tag is the one it still reads).
func encodingCodecs() []taggedCodec {
	return append(taggedCodecs(), taggedCodec{"json", serializer.TagJSON, serializer.JSON[User]()})
}

// codecsFor returns the three tagged codecs for V.
func codecsFor[V any]() []serializer.Codec[V] {
	return []serializer.Codec[V]{serializer.MsgPack[V](), serializer.Gob[V](), serializer.JSON[V]()}
}
