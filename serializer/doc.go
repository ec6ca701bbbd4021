// Package serializer turns typed values into the bytes a cache adapter stores,
// and back.
//
// A [Codec] is chosen per cache (strata.Options.Codec) or process-wide with
// [SetDefault]; [Default] is msgpack unless changed. [ByName] maps the
// "serializer" setting of a config file to a codec. The codecs are [MsgPack],
// [Gob], [JSON] and [Raw].
//
// # Errors
//
// Every failure to encode or decode returns an error for which
// errors.Is(err, [ErrCodec]) is true, and which says what to do about it: for
// instance "value was written by gob but read with msgpack", when a reader
// configured with one codec meets a value tagged by another.
//
// # Guarantees
//
// Unmarshal never panics on arbitrary bytes: a panic inside a decoding library
// is recovered and returned as an ErrCodec error, and on error the zero value is
// returned, never a partly decoded one. Unmarshal rejects empty input, unknown
// tags (JSON: anything that is not JSON) and trailing bytes after the payload.
//
// Whatever encodes also decodes, and neither overflows the stack (which cannot be
// recovered from). Unmarshal rejects values nested more than 10000 levels deep
// (levels are maps, arrays and objects in the data; for gob see [Gob]). Marshal
// rejects cyclic values (a node that points back to itself, a map or slice that
// contains itself through an interface) and values nested deeper than 10000
// levels of maps, slices, arrays and structs, or holding more than 30000
// pointers and interfaces inside one another.
//
// # Wire format
//
// [JSON] writes plain JSON, exactly json.Marshal(&v) with no tag, so any
// language reads it with its JSON library (Python: json.loads(data)) and
// writes values the JSON codec reads. It also reads values written by
// earlier versions, which put TagJSON (0xF6) before the JSON text.
//
// MsgPack and Gob write one format tag byte, then the payload exactly as the
// underlying library produces it:
//
//	byte 0      format tag: TagMsgPack (0xC1) or TagGob (0xF5)
//	bytes 1..n  msgpack.Marshal(&v) | one gob stream (gob.NewEncoder(w).Encode(&v))
//
// No JSON text starts with a tag byte, so JSON tells a msgpack or gob value
// from its own and fails with ErrCodec naming the codec that wrote it, and
// msgpack and gob reject JSON as untagged. A program in another language reads
// a tagged value by checking and dropping the first byte, then decoding the
// rest with its msgpack library; in Python:
//
//	if data[:1] == b"\xc1":
//	    value = msgpack.unpackb(data[1:])
//
// # When to use raw
//
// [Raw] stores a string or []byte exactly as given, with no tag: the
// equivalent of the Python original's "serializer off". Use it when the data
// is shared with programs in other languages that read and write plain bytes,
// or when the value already is bytes (an image, a protobuf, a pre-rendered
// page) and a second encoding would only cost time. Raw cannot detect a value
// written by another codec: it returns whatever bytes are stored, tag
// included.
package serializer
