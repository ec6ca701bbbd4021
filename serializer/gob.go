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
// encoding/gob decodes nested values recursively without a depth bound. For a
// recursive type (one that holds a pointer, slice or map of itself, or
// interface values), megabytes of crafted input nested millions deep exhaust
// the stack, a fatal error. Use msgpack for data that parties you do not
// trust can write.
func Gob[V any]() Codec[V] { return gobCodec[V]{} }

type gobCodec[V any] struct{}

func (gobCodec[V]) Name() string { return nameGob }

// UnmarshalCopies reports true: decoded values share no memory with the input.
func (gobCodec[V]) UnmarshalCopies() bool { return true }

// UnmarshalIsPure reports true: see PureUnmarshaler.
func (gobCodec[V]) UnmarshalIsPure() bool { return true }

func (gobCodec[V]) Marshal(v V) (_ []byte, err error) {
	defer recoverPanic(nameGob, "encoding", &err)
	if rv := reflect.ValueOf(&v).Elem(); rv.Kind() == reflect.Pointer && rv.IsNil() {
		// gob would silently store a pointer to a zero value instead.
		return nil, codecErr(nil, "gob cannot encode a nil %s (use msgpack or json, which store nil)", typeName[V]())
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
