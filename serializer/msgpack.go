package serializer

import (
	"bytes"
	"reflect"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// MsgPack returns the msgpack codec, the default: compact, fast, and readable
// from most languages. The payload after [TagMsgPack] is what
// msgpack.Marshal(&v) of github.com/vmihailenco/msgpack/v5 produces, so struct
// fields follow its `msgpack:"..."` tags.
func MsgPack[V any]() Codec[V] {
	return msgpackCodec[V]{g: msgpackRules.info(reflect.TypeFor[V]())}
}

// msgpackCodec keeps what the encode guard knows about V (see guard.go).
type msgpackCodec[V any] struct{ g *typeInfo }

// msgpackEncState is a pooled encoder bound to its own buffer.
type msgpackEncState struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
}

// msgpackDecState is a pooled decoder bound to its own reader.
type msgpackDecState struct {
	r   bytes.Reader
	dec *msgpack.Decoder
}

var (
	msgpackEncPool = sync.Pool{New: func() any {
		s := new(msgpackEncState)
		s.enc = msgpack.NewEncoder(&s.buf)
		return s
	}}
	msgpackDecPool = sync.Pool{New: func() any {
		s := new(msgpackDecState)
		s.dec = msgpack.NewDecoder(&s.r)
		return s
	}}
)

func (msgpackCodec[V]) Name() string { return nameMsgPack }

// UnmarshalCopies reports true: decoded values share no memory with the input.
func (msgpackCodec[V]) UnmarshalCopies() bool { return true }

// UnmarshalIsPure reports true: see PureUnmarshaler.
func (msgpackCodec[V]) UnmarshalIsPure() bool { return true }

func (c msgpackCodec[V]) Marshal(v V) (_ []byte, err error) {
	defer recoverPanic(nameMsgPack, "encoding", &err)
	if !c.g.fast { // a type that may hold a cycle or nest deep: walk the value
		if err := checkEncode(c.g, &v); err != nil {
			return nil, err
		}
	}
	s := msgpackEncPool.Get().(*msgpackEncState)
	s.buf.Reset()
	s.buf.WriteByte(TagMsgPack)
	s.enc.Reset(&s.buf) // clear options a custom EncodeMsgpack may have set
	if err := s.enc.Encode(&v); err != nil {
		return nil, encodeErr[V](nameMsgPack, err) // s is dropped: its state is unknown
	}
	out, reuse := takeBytes(&s.buf, s.buf.Bytes())
	if reuse {
		msgpackEncPool.Put(s)
	}
	return out, nil
}

func (c msgpackCodec[V]) Unmarshal(b []byte) (V, error) {
	var v V
	if err := c.UnmarshalTo(b, &v); err != nil {
		var zero V
		return zero, err
	}
	return v, nil
}

// UnmarshalTo decodes b into *v, which must hold the zero V, without allocating a V
// (see UnmarshalerTo). On error *v is left partly decoded: discard it.
func (c msgpackCodec[V]) UnmarshalTo(b []byte, v *V) (err error) {
	if err := checkTag(b, TagMsgPack, nameMsgPack); err != nil {
		return err
	}
	if c.g.bad != "" { // the library would recurse forever on the type
		return codecErr(nil, "msgpack cannot decode into %s: %s", typeName[V](), c.g.bad)
	}
	if msgpackTooDeep(b[1:]) {
		return codecErr(nil, "msgpack: containers nested more than %d deep (corrupted or malicious): remove the key", maxNesting)
	}
	defer recoverPanic(nameMsgPack, "decoding", &err)
	s := msgpackDecPool.Get().(*msgpackDecState)
	s.r.Reset(b[1:])
	s.dec.Reset(&s.r) // clear options a custom DecodeMsgpack may have set
	if err := s.dec.Decode(v); err != nil {
		return decodeErr[V](nameMsgPack, err) // s is dropped: a failed decode can leave it recording
	}
	rest := s.r.Len()
	s.r.Reset(nil) // do not keep the caller's bytes alive in the pool
	msgpackDecPool.Put(s)
	if rest != 0 {
		return codecErr(nil, "msgpack: %d unexpected bytes after the value (corrupted, or not one msgpack value): remove the key", rest)
	}
	return nil
}
