package serializer

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
)

// JSON returns the encoding/json codec: readable and portable, but larger
// and slower than msgpack. It writes plain JSON with no tag byte, exactly
// what json.Marshal(&v) produces (HTML characters escaped, no trailing
// newline), so struct fields follow their `json:"..."` tags and any language's
// JSON library reads the stored value, and Unmarshal reads plain JSON written
// by other programs.
//
// Unmarshal also reads values written by earlier versions, which put
// [TagJSON] before the JSON text. Bytes starting with another codec's tag
// ([TagMsgPack], [TagGob]) fail with an error naming that codec: no JSON text
// starts with a tag byte, so the check cannot misread a JSON value.
func JSON[V any]() Codec[V] { return jsonCodec[V]{g: jsonRules.info(reflect.TypeFor[V]())} }

// jsonCodec keeps what the encode guard knows about V (see guard.go).
type jsonCodec[V any] struct{ g *typeInfo }

// jsonEncState is a pooled json.Encoder bound to its own buffer.
type jsonEncState struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var jsonEncPool = sync.Pool{New: func() any {
	s := new(jsonEncState)
	s.enc = json.NewEncoder(&s.buf)
	return s
}}

func (jsonCodec[V]) Name() string { return nameJSON }

// UnmarshalCopies reports true: decoded values share no memory with the input.
func (jsonCodec[V]) UnmarshalCopies() bool { return true }

// UnmarshalIsPure reports true: see PureUnmarshaler.
func (jsonCodec[V]) UnmarshalIsPure() bool { return true }

func (c jsonCodec[V]) Marshal(v V) (_ []byte, err error) {
	defer recoverPanic(nameJSON, "encoding", &err)
	if !c.g.fast { // a type that may hold a cycle or nest deep: walk the value
		if err := checkEncode(c.g, &v); err != nil {
			return nil, err
		}
	}
	s := jsonEncPool.Get().(*jsonEncState)
	s.buf.Reset()
	if err := s.enc.Encode(&v); err != nil {
		jsonEncPool.Put(s) // json.Encoder keeps no state after a marshal error
		return nil, encodeErr[V](nameJSON, err)
	}
	b := s.buf.Bytes()
	out, reuse := takeBytes(&s.buf, b[:len(b)-1]) // drop the newline json.Encoder appends
	if reuse {
		jsonEncPool.Put(s)
	}
	return out, nil
}

func (jsonCodec[V]) Unmarshal(b []byte) (_ V, err error) {
	var v V
	switch {
	case len(b) == 0:
		return v, codecErr(nil, "json: the stored value is empty, which is not JSON: it was not written by "+
			"a strata json codec (written raw or by another program?)")
	case b[0] == TagJSON:
		b = b[1:] // the tagged format earlier versions wrote
	case formatOfTag(b[0]) != "":
		return v, checkTag(b, TagJSON, nameJSON) // names the codec that wrote it
	case isGraceHeader(b):
		return v, graceErr(nameJSON)
	}
	defer recoverPanic(nameJSON, "decoding", &err)
	// json.Unmarshal checks the whole input first, so trailing data is an error.
	if err := json.Unmarshal(b, &v); err != nil {
		var zero V
		if _, ok := errors.AsType[*json.SyntaxError](err); ok {
			return zero, codecErr(err, "json: the stored value is not JSON (written raw, by another program, "+
				"or corrupted); read it with serializer.Raw or remove the key")
		}
		return zero, decodeErr[V](nameJSON, err)
	}
	return v, nil
}
