package serializer

// encoding/gob decodes nested values recursively with no depth bound: not
// for values it decodes (into a recursive type, or behind interfaces), and
// not for values it skips (fields the decoding type lacks, whose wire type
// may be recursive whatever V is). A few megabytes of crafted input nested a
// million deep exhaust the stack, which is fatal. gobCheckDepth walks a
// stream's structure first, without recursion deeper than the limits and
// without decoding, and rejects streams that nest deeper than what the
// encode guard lets gob write (see guard.go).
//
// The walk follows the wire format: a stream is a sequence of messages
// (a length, then a type id); a negative id defines a type, a positive one
// starts a value of that type. Interface values name their concrete type,
// may define types inline, and continue into the next message when a
// definition ends the current one. Where the walk cannot continue (input
// truncated, a type never defined, a field number out of range) gob fails
// at the same place or earlier, before nesting deeper than the walk did, so
// the walk leaves the error to gob. What gob's encoder never writes but gob
// would still decode (its internal type ids, a type definition of more than
// one kind) is rejected.
//
// One case is out of reach: gob skips an interface value in a field the
// decoding type lacks by its stored length, not by its structure, so a
// crafted length can make gob read what follows differently from this walk.

// Built-in gob type ids (encoding/gob/type.go); user types start at 64.
const (
	gobBool      = 1
	gobInt       = 2
	gobUint      = 3
	gobFloat     = 4
	gobBytes     = 5
	gobString    = 6
	gobComplex   = 7
	gobInterface = 8
	gobFirstUser = 64
	gobTooBig    = 1 << 33 // gob's limit on one message (8 GB on 64-bit)
)

// Reasons a walk of a gob stream stops.
const (
	gobOK        = iota
	gobMalformed // gob rejects the stream at this point too
	gobDeep
	gobRefs
	gobUnsupported
)

type gobWalk struct {
	b     []byte
	i     int // next byte
	end   int // end of the current message
	types map[int64]*gobWireType
	stop  int
}

// gobCheckDepth returns an ErrCodec error if the gob stream b nests deeper
// than the limits or uses what gob's encoder never writes; otherwise nil,
// also for malformed streams, which gob then rejects itself.
func gobCheckDepth(b []byte) error {
	w := gobWalk{b: b, types: map[int64]*gobWireType{}}
	w.top(w.typeSequence(false), 0, 0)
	switch w.stop {
	case gobDeep:
		return codecErr(nil, "gob: values nested more than %d deep (corrupted or malicious): remove the key", maxNesting)
	case gobRefs:
		return codecErr(nil, "gob: more than %d interface values nested in one another (corrupted or malicious): "+
			"remove the key", maxRefs)
	case gobUnsupported:
		return codecErr(nil, "gob: the stored value uses gob's internal type ids or an ambiguous type definition, "+
			"which gob.Encoder never writes (corrupted or malicious): remove the key")
	}
	return nil
}

func (w *gobWalk) halt(why int) {
	if w.stop == gobOK {
		w.stop = why
	}
}

// top walks a value sent on its own (at the top of the stream or inside an
// interface): a struct, or any other value after a zero field delta.
func (w *gobWalk) top(id int64, c, r int) {
	if t := w.types[id]; t != nil && t.kind == wireStruct {
		w.structValue(t, c, r)
		return
	}
	if w.uint() != 0 {
		w.halt(gobMalformed)
	}
	w.value(id, c, r)
}

// value walks a value of type id with c containers and r interfaces above it.
func (w *gobWalk) value(id int64, c, r int) {
	if w.stop != gobOK {
		return
	}
	switch id {
	case gobBool, gobInt, gobUint, gobFloat:
		w.uint()
		return
	case gobComplex:
		w.uint()
		w.uint()
		return
	case gobBytes, gobString:
		w.skip()
		return
	case gobInterface:
		w.iface(c, r)
		return
	}
	t := w.types[id]
	if t == nil {
		if id > gobInterface && id < gobFirstUser {
			w.halt(gobUnsupported) // gob decodes some of its own types into matching structs
		} else {
			w.halt(gobMalformed) // gob fails to compile a decoder for an undefined type
		}
		return
	}
	switch t.kind {
	case wireStruct:
		w.structValue(t, c, r)
	case wireOpaque:
		w.skip()
	case wireArray, wireSlice, wireMap:
		n := w.uint()
		if n > 0 && c >= maxNesting {
			w.halt(gobDeep)
		}
		for ; n > 0 && w.stop == gobOK; n-- {
			at := w.i
			if t.kind == wireMap {
				w.value(t.key, c+1, r)
			}
			w.value(t.elem, c+1, r)
			if w.i == at {
				break // only a struct at the end of the message takes no bytes: the rest are the same
			}
		}
	}
}

func (w *gobWalk) structValue(t *gobWireType, c, r int) {
	w.fields(len(t.fields), func(f int) {
		if c >= maxNesting {
			w.halt(gobDeep)
			return
		}
		w.value(t.fields[f], c+1, r)
	})
}

// iface walks an interface value: the concrete type's name (empty for nil),
// type definitions and the concrete type's id, a length gob ignores when it
// decodes the value, and the value.
func (w *gobWalk) iface(c, r int) {
	n := w.uint()
	if n == 0 || w.stop != gobOK {
		return
	}
	if n > uint64(w.end-w.i) {
		w.halt(gobMalformed)
		return
	}
	w.i += int(n)
	id := w.typeSequence(true)
	w.uint()
	if r >= maxRefs {
		w.halt(gobRefs)
	}
	if w.stop == gobOK {
		w.top(id, c, r+1)
	}
}
