// Package serializer turns typed values into the bytes a cache adapter stores,
// and back.
//
// A [Codec] is chosen per cache (strata.Options.Codec) or process-wide with
// [SetDefault]; [Default] is msgpack unless changed. [ByName] maps the
// "serializer" setting of a config file to a codec.
//
// # Wire format
//
// Every codec except raw writes one format tag byte, then the payload exactly
// as the underlying library produces it:
//
//	byte 0      format tag: TagMsgPack (0xC1), TagGob (0xF5) or TagJSON (0xF6)
//	bytes 1..n  msgpack.Marshal(&v) | one gob stream (gob.NewEncoder(w).Encode(&v)) | json.Marshal(&v)
//
// The tag lets a reader configured with another codec fail with [ErrCodec]
// ("value was written by gob but read with msgpack") instead of returning
// garbage. The tag bytes were chosen so that they never start valid UTF-8
// text, JSON, or a Python pickle, and 0xC1 is the one byte msgpack never
// uses: a program in another language reads a tagged value by checking and
// dropping the first byte, then decoding the rest with its msgpack, JSON or
// gob library; in Python:
//
//	if data[:1] == b"\xc1":
//	    value = msgpack.unpackb(data[1:])
//
// Unmarshal rejects empty input, unknown tags and trailing bytes
// after the payload.
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
//
// # Errors
//
// Every failure to encode or decode returns an error for which
// errors.Is(err, ErrCodec) is true, and which says what to do about it.
// Unmarshal never panics on arbitrary bytes: a panic inside a decoding
// library is recovered and returned as an ErrCodec error, and on error the
// zero value is returned, never a partly decoded one.
//
// A stack overflow cannot be recovered, so the codecs bound their recursion.
// Unmarshal rejects values nested more than 10000 levels deep (levels are
// maps, arrays and objects in the data; for gob see [Gob]). Marshal rejects
// cyclic values (a node that points back to itself, a map or slice that
// contains itself through an interface) and values nested deeper than 10000
// levels of maps, slices, arrays and structs, or holding more than 30000
// pointers and interfaces inside one another, so whatever encodes also
// decodes. Types that cannot hold such values (no interfaces, no recursion)
// are recognised once and cost nothing to check.
package serializer
