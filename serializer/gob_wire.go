package serializer

// Reading gob's wire format for gobCheckDepth (see gob_depth.go): integers,
// messages and type definitions, as encoding/gob's decoder reads them.

// Kinds of gob wire types.
const (
	wireArray = iota + 1
	wireSlice
	wireStruct
	wireMap
	wireOpaque // GobEncoder, BinaryMarshaler, TextMarshaler: a byte string
)

type gobWireType struct {
	kind      int
	elem, key int64
	fields    []int64
}

// uint reads an unsigned integer from the current message: one byte below
// 0x80, else the negated byte count of a big-endian number.
func (w *gobWalk) uint() uint64 {
	if w.stop != gobOK || w.i >= w.end {
		w.halt(gobMalformed)
		return 0
	}
	c := w.b[w.i]
	w.i++
	if c < 0x80 {
		return uint64(c)
	}
	n := -int(int8(c))
	if n > 8 || w.end-w.i < n {
		w.halt(gobMalformed)
		return 0
	}
	var x uint64
	for _, c := range w.b[w.i : w.i+n] {
		x = x<<8 | uint64(c)
	}
	w.i += n
	return x
}

func (w *gobWalk) int() int64 {
	x := w.uint()
	if x&1 != 0 {
		return ^int64(x >> 1)
	}
	return int64(x >> 1)
}

// skip skips a byte string: its length, then its bytes.
func (w *gobWalk) skip() {
	if n := w.uint(); n > uint64(w.end-w.i) {
		w.halt(gobMalformed)
	} else {
		w.i += int(n)
	}
}

// typeSequence reads type definitions up to the id of the next value, as
// gob's decodeTypeSequence does, reading a new message when the current one
// is used up. It returns -1 when the walk stops.
func (w *gobWalk) typeSequence(inInterface bool) int64 {
	for w.stop == gobOK {
		if w.i == w.end { // next message: its length is read from the stream
			w.end = len(w.b)
			if n := w.uint(); n >= gobTooBig || n > uint64(len(w.b)-w.i) {
				w.halt(gobMalformed)
			} else {
				w.end = w.i + int(n)
			}
		}
		id := w.int()
		if w.stop != gobOK || id >= 0 {
			return id
		}
		w.define(-id)
		if w.i < w.end { // gob allows data after a definition only in an interface: a length to skip
			if !inInterface {
				w.halt(gobMalformed)
			}
			w.uint()
		}
	}
	return -1
}

// fields walks the fields of a struct of n fields, calling f for each one
// present (gob omits zero fields; a zero delta or the end of the message
// ends the struct).
func (w *gobWalk) fields(n int, f func(field int)) {
	for field := -1; w.stop == gobOK && w.i < w.end; {
		delta := w.uint()
		if delta == 0 {
			return
		}
		if delta > uint64(n-1-field) {
			w.halt(gobMalformed)
			return
		}
		field += int(delta)
		f(field)
	}
}

// define reads the definition of type id: a wireType struct whose one
// field present says the kind (ArrayT, SliceT, StructT, MapT, then the three
// self-encoding kinds), each holding a CommonType and the element types.
func (w *gobWalk) define(id int64) {
	if id < gobFirstUser || w.types[id] != nil {
		w.halt(gobMalformed) // gob: "duplicate type received"
		return
	}
	t := &gobWireType{}
	kinds := 0
	w.fields(7, func(kind int) {
		kinds++
		switch kind {
		case 0: // arrayType{CommonType, Elem, Len}
			t.kind = wireArray
			w.fields(3, func(f int) { w.typeField(f, &t.elem, nil) })
		case 1: // sliceType{CommonType, Elem}
			t.kind = wireSlice
			w.fields(2, func(f int) { w.typeField(f, &t.elem, nil) })
		case 2: // structType{CommonType, Field []fieldType{Name, Id}}
			t.kind = wireStruct
			w.fields(2, func(f int) {
				if f == 0 {
					w.commonType()
					return
				}
				for n := w.uint(); n > 0 && w.stop == gobOK; n-- {
					var fieldID int64
					w.fields(2, func(g int) {
						if g == 0 {
							w.skip()
						} else {
							fieldID = w.int()
						}
					})
					t.fields = append(t.fields, fieldID)
				}
			})
		case 3: // mapType{CommonType, Key, Elem}
			t.kind = wireMap
			w.fields(3, func(f int) { w.typeField(f, &t.key, &t.elem) })
		default: // gobEncoderType{CommonType}
			t.kind = wireOpaque
			w.fields(1, func(int) { w.commonType() })
		}
	})
	if w.stop == gobOK && kinds != 1 {
		w.halt(gobUnsupported)
	}
	w.types[id] = t
}

// typeField reads field f of an arrayType, sliceType or mapType: the
// CommonType, then one or two type ids (an array's length is an int too).
func (w *gobWalk) typeField(f int, first, second *int64) {
	switch {
	case f == 0:
		w.commonType()
	case f == 1:
		*first = w.int()
	case second != nil:
		*second = w.int()
	default:
		w.int() // Len
	}
}

// commonType reads a CommonType{Name string, Id int}.
func (w *gobWalk) commonType() {
	w.fields(2, func(f int) {
		if f == 0 {
			w.skip()
		} else {
			w.int()
		}
	})
}
