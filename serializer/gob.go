package serializer

import (
	"bytes"
	"encoding/gob"
	"reflect"
)

// Gob returns the encoding/gob codec: Go-only, but it handles any type gob
// does, including types with GobEncoder/BinaryMarshaler methods. Every value
// carries its own type description, so it is larger and slower than msgpack
// for small values. The payload after [TagGob] is one complete gob stream
// (gob.NewEncoder(w).Encode(&v)). Concrete types stored in interface-typed
// values or fields must be registered with gob.Register, as usual for gob.
//
// encoding/gob decodes nested values recursively without a depth bound, also
// those it skips (fields V lacks), so megabytes of crafted input nested
// millions deep would exhaust the stack, a fatal error. Unmarshal therefore
// walks the structure of a stored value first and rejects one nested more
// than 10000 levels deep, like the other codecs. One crafted case gets past
// that walk: gob skips an interface value in a field V lacks by its stored
// length, which can be made to disagree with its structure. Use msgpack for
// data that parties you do not trust can write.
func Gob[V any]() Codec[V] { return gobCodec[V]{g: gobRules.info(reflect.TypeFor[V]())} }

// gobCodec keeps what the encode guard knows about V (see guard.go).
type gobCodec[V any] struct{ g *typeInfo }

func (gobCodec[V]) Name() string { return nameGob }

// UnmarshalCopies reports true: decoded values share no memory with the input.
func (gobCodec[V]) UnmarshalCopies() bool { return true }

// UnmarshalIsPure reports true: see PureUnmarshaler.
func (gobCodec[V]) UnmarshalIsPure() bool { return true }

func (c gobCodec[V]) Marshal(v V) (_ []byte, err error) {
	defer recoverPanic(nameGob, "encoding", &err)
	if rv := reflect.ValueOf(&v).Elem(); rv.Kind() == reflect.Pointer && rv.IsNil() {
		// gob would silently store a pointer to a zero value instead.
		return nil, codecErr(nil, "gob cannot encode a nil %s (use msgpack or json, which store nil)", typeName[V]())
	}
	if !c.g.fast { // a type that may hold a cycle or nest deep: walk the value
		if err := checkEncode(c.g, &v); err != nil {
			return nil, err
		}
	}
	buf := getBuffer(TagGob)
	// A gob Encoder remembers the types it has sent, so every value needs a
	// fresh one: each stored value must be decodable on its own.
	if err := gob.NewEncoder(buf).Encode(&v); err != nil {
		putBuffer(buf)
		return nil, encodeErr[V](nameGob, err)
	}
	out, reuse := takeBytes(buf, buf.Bytes())
	if reuse {
		bufferPool.Put(buf)
	}
	return out, nil
}

func (gobCodec[V]) Unmarshal(b []byte) (_ V, err error) {
	var v V
	if err := checkTag(b, TagGob, nameGob); err != nil {
		return v, err
	}
	defer recoverPanic(nameGob, "decoding", &err)
	if len(b)-1 > maxNesting { // every level takes at least one byte
		if err := gobCheckDepth(b[1:]); err != nil {
			return v, err
		}
	}
	r := bytes.NewReader(b[1:])
	if err := gob.NewDecoder(r).Decode(&v); err != nil {
		var zero V
		return zero, decodeErr[V](nameGob, err)
	}
	if r.Len() != 0 {
		var zero V
		return zero, codecErr(nil, "gob: %d unexpected bytes after the value (corrupted, or not one gob value): remove the key", r.Len())
	}
	return v, nil
}
