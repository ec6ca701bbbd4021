package serializer

// Codec converts values of type V to bytes and back. Implementations are
// safe for concurrent use. Marshal's result belongs to the caller; Unmarshal
// does not retain its input unless documented (see [Raw]).
type Codec[V any] interface {
	// Name is the format's name as accepted by ByName: "msgpack", "gob", "json" or "raw".
	Name() string
	// Marshal encodes v. Errors wrap ErrCodec.
	Marshal(v V) ([]byte, error)
	// Unmarshal decodes b. Errors wrap ErrCodec; on error the zero V is returned.
	Unmarshal(b []byte) (V, error)
}

// Format tag bytes: the first byte of every value written by the tagged
// codecs (msgpack, gob). They are part of the storage format and never
// change; programs in other languages check and strip this byte before
// decoding the payload. JSON is written plain, with no tag.
const (
	// TagMsgPack starts a msgpack value. 0xC1 is never used by msgpack itself.
	TagMsgPack byte = 0xC1
	// TagGob starts a value holding one encoding/gob stream.
	TagGob byte = 0xF5
	// TagJSON started a JSON value in earlier versions. It is no longer
	// written, only read: [JSON] still decodes values that start with it.
	TagJSON byte = 0xF6
)

// Format names, as returned by Codec.Name and accepted by ByName and SetDefault.
const (
	nameMsgPack = "msgpack"
	nameGob     = "gob"
	nameJSON    = "json"
	nameRaw     = "raw"
)

// formatOfTag names the format a tag byte belongs to, or "".
func formatOfTag(tag byte) string {
	switch tag {
	case TagMsgPack:
		return nameMsgPack
	case TagGob:
		return nameGob
	case TagJSON:
		return nameJSON
	}
	return ""
}

// checkTag verifies that b starts with want, the tag of format, and explains
// what went wrong otherwise.
func checkTag(b []byte, want byte, format string) error {
	if len(b) == 0 {
		return codecErr(nil, "%s: the stored value is empty, so it has no format tag: it was not written by "+
			"a strata %s codec (written raw or by another program?)", format, format)
	}
	if b[0] == want {
		return nil
	}
	if other := formatOfTag(b[0]); other != "" {
		return codecErr(nil, "value was written by %s but read with %s: use the same codec on every writer "+
			"and reader of a key, or remove the old keys", other, format)
	}
	if isGraceHeader(b) {
		return graceErr(format)
	}
	return codecErr(nil, "%s: unknown format tag 0x%02x%s: the value was not written by a strata codec "+
		"(written raw, by another program, or corrupted); read it with serializer.Raw or remove the key",
		format, b[0], untaggedHint(b[0]))
}

// graceHeaderByte starts the header the redis driver puts in front of a value when
// its grace setting is on (drivers/redis, grace=). No codec's output starts with
// it (it is not a tag, and never starts UTF-8 text), so a codec that meets it can
// say which setting differs instead of "corrupted".
const graceHeaderByte = 0xA7

// isGraceHeader reports whether b starts like a value behind a grace header: the
// header byte and at least the 8 bytes of expiry that follow it.
func isGraceHeader(b []byte) bool { return len(b) >= 9 && b[0] == graceHeaderByte }

// graceErr explains a value read by a cache without grace that was written by one
// with grace.
func graceErr(format string) error {
	return codecErr(nil, "%s: the stored value starts with the redis driver's grace header: it was "+
		"written by an adapter with grace= on and read by one without; every program sharing keys "+
		"must use the same grace setting (see docs/interop.md)", format)
}

// untaggedHint guesses what untagged data starting with c is, for messages.
func untaggedHint(c byte) string {
	switch c {
	case 0x80:
		return " (looks like a Python pickle, e.g. written by the Python original)"
	case '{', '[', '"':
		return " (looks like untagged JSON)"
	}
	return ""
}

// CopyingUnmarshaler is implemented by codecs whose Unmarshal never retains its
// input: the value it returns shares no memory with b, so b may be changed or reused
// as soon as Unmarshal returns. MsgPack, Gob and JSON implement it (with true); Raw
// does not, since for byte slices its Unmarshal returns b itself.
//
// strata.Cache relies on it to decode a driver's stored bytes in place (see
// fastpath.Viewer) instead of decoding a copy. A codec wrapping another may forward
// the answer of the codec it wraps. Values with custom decoding methods
// (UnmarshalJSON, DecodeMsgpack, GobDecode, ...) must copy what they keep of their
// input, as those packages already require.
type CopyingUnmarshaler interface {
	// UnmarshalCopies reports whether Unmarshal never retains its input.
	UnmarshalCopies() bool
}

// PureUnmarshaler is implemented by codecs whose Unmarshal depends only on its
// input: decoding the same bytes again gives an equal value. MsgPack, Gob and JSON
// implement it (with true).
//
// strata.Cache relies on it to keep a decoded value beside the bytes an in-process
// adapter stores (fastpath.Memoizer) and copy that value on later hits instead of
// decoding again. Values with custom decoding methods must then decode equal bytes
// to equal values, which they do unless they read outside state (a clock, a
// counter).
type PureUnmarshaler interface {
	// UnmarshalIsPure reports whether Unmarshal depends only on its input.
	UnmarshalIsPure() bool
}

// UnmarshalerTo is implemented by codecs that can decode into a V the caller
// provides, which saves allocating one per call when the caller reuses it (as
// strata.Cache does). *v must hold the zero V; on error *v is left partly decoded
// and must be discarded. Errors are those of Unmarshal. MsgPack implements it.
type UnmarshalerTo[V any] interface {
	UnmarshalTo(b []byte, v *V) error
}
