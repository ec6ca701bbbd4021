package clone

import (
	"reflect"
	"unsafe"
)

// sliceHeader has the memory layout (and pointer layout) of every slice type,
// so []sliceHeader is a GC-correct backing array for a slice of slices.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// zeroBase is where empty non-nil slices in a clone point: non-nil, and with
// capacity zero an append must allocate, so nothing is ever written through it.
var zeroBase [0]uint64

// maxTreeDepth bounds how deeply slices, pointees and maps may nest in the
// first, fast mode, which copies the value as a tree. Decoded values are trees
// of modest depth and stay in that mode. A cyclic value nests without end, so
// it always gets this deep: then the copy is abandoned and made again in graph
// mode, which records every map and every copied slice or pointee that holds
// references (only those can lead back), and reuses the copy when it meets the
// same one again. That ends cycles, at the cost of a map insert per recorded
// reference; only values nested this deep pay it.
const maxTreeDepth = 1000

// state is per clone call. It lives on the caller's stack.
type state struct {
	depth int
	abort bool                       // tree mode went past maxTreeDepth
	graph bool                       // graph mode: seen is in use
	seen  map[memoKey]unsafe.Pointer // original -> copy
}

// memoKey identifies copied memory: the same address can hold values of
// different types (a struct and its first field) or be the start of slices of
// different lengths, and each needs its own copy.
type memoKey struct {
	p    *plan
	addr unsafe.Pointer
	n    int // element count; -1 for maps
}

// fix replaces, in place, every reference in the value of p's type at base by
// a deep copy. base must not escape (it may point into the caller's stack).
// On return with st.abort set, the value is partly fixed and must be discarded.
func (p *plan) fix(base unsafe.Pointer, st *state) {
	for i := range p.ops {
		if st.abort {
			return
		}
		o := &p.ops[i]
		at := unsafe.Add(base, o.off)
		switch o.kind {
		case opSlice:
			h := (*sliceHeader)(at)
			switch {
			case h.data == nil:
			case h.len == 0:
				*h = sliceHeader{data: unsafe.Pointer(&zeroBase)}
			default:
				n := h.len
				d := o.elem.cloneArray(h.data, n, st)
				if st.abort {
					return // d is nil: never build a header with nil data and n elements
				}
				*h = sliceHeader{data: d, len: n, cap: n}
			}
		case opPtr:
			if pp := (*unsafe.Pointer)(at); *pp != nil {
				*pp = o.elem.cloneArray(*pp, 1, st)
			}
		case opMap:
			if pp := (*unsafe.Pointer)(at); *pp != nil {
				*pp = o.elem.cloneMap(*pp, st)
			}
		case opArray:
			for j := range o.n {
				o.elem.fix(unsafe.Add(at, uintptr(j)*o.elem.size), st)
			}
		}
	}
}

// visit is where cloneArray and cloneMap start with the memory at key: in
// graph mode, if it was copied already, its copy and stop; in tree mode, past
// maxTreeDepth, abort and stop (dst nil).
func (st *state) visit(key memoKey) (dst unsafe.Pointer, stop bool) {
	if st.graph {
		dst, stop = st.seen[key]
		return dst, stop
	}
	if st.depth >= maxTreeDepth {
		st.abort = true
		return nil, true
	}
	return nil, false
}

// record notes, in graph mode, that dst is the copy of the memory at key. It
// is called before the contents are fixed: they may lead back to key.
func (st *state) record(key memoKey, dst unsafe.Pointer) {
	if st.graph {
		st.seen[key] = dst
	}
}

// cloneArray returns a deep copy of the n values of p's type at src.
func (p *plan) cloneArray(src unsafe.Pointer, n int, st *state) unsafe.Pointer {
	if !p.needsFix {
		return p.copyOf(src, n) // no references inside: no recursion, no cycle
	}
	key := memoKey{p, src, n}
	if dst, stop := st.visit(key); stop {
		return dst
	}
	dst := p.copyOf(src, n)
	st.record(key, dst)
	st.depth++
	for i := 0; i < n && !st.abort; i++ {
		p.fix(unsafe.Add(dst, uintptr(i)*p.size), st)
	}
	st.depth--
	return dst
}

// copyOf returns fresh memory holding a plain copy of the n values at src.
// Values with pointers are written with write barriers (typed copy or runs),
// which the garbage collector needs while it is marking.
func (p *plan) copyOf(src unsafe.Pointer, n int) unsafe.Pointer {
	switch p.alloc {
	case allocNoPtr:
		nb := p.size * uintptr(n)
		if nb == 0 {
			return unsafe.Pointer(&zeroBase)
		}
		// []uint64 keeps 8-byte alignment, the most any Go type needs.
		dst := unsafe.Pointer(unsafe.SliceData(make([]uint64, (nb+7)/8)))
		copy(unsafe.Slice((*byte)(dst), nb), unsafe.Slice((*byte)(src), nb))
		return dst
	case allocString:
		d := make([]string, n)
		copy(d, unsafe.Slice((*string)(src), n))
		return unsafe.Pointer(unsafe.SliceData(d))
	case allocWord:
		d := make([]unsafe.Pointer, n)
		copy(d, unsafe.Slice((*unsafe.Pointer)(src), n))
		return unsafe.Pointer(unsafe.SliceData(d))
	case allocSlice:
		d := make([]sliceHeader, n)
		copy(d, unsafe.Slice((*sliceHeader)(src), n))
		return unsafe.Pointer(unsafe.SliceData(d))
	default:
		dst := p.newArray(n)
		for i := range n {
			off := uintptr(i) * p.size
			p.copyVal(unsafe.Add(dst, off), unsafe.Add(src, off))
		}
		return dst
	}
}

// newArray allocates zeroed, typed memory for n values of p's type (allocReflect).
func (p *plan) newArray(n int) unsafe.Pointer {
	if n == 1 {
		return reflect.New(p.t).UnsafePointer()
	}
	if n <= maxCachedArray {
		at := p.arrTypes[n].Load()
		if at == nil {
			at = &arrayType{reflect.ArrayOf(n, p.t)}
			p.arrTypes[n].Store(at) // a racing store stores an identical type
		}
		return reflect.New(at.t).UnsafePointer()
	}
	return reflect.MakeSlice(p.sliceT, n, n).UnsafePointer()
}

// copyVal copies one value of p's type (which has pointers) from src into the
// zeroed memory at dst, storing pointer words through *unsafe.Pointer so the
// compiler emits write barriers for them.
func (p *plan) copyVal(dst, src unsafe.Pointer) {
	for i := range p.runs {
		r := &p.runs[i]
		d, s := unsafe.Add(dst, r.off), unsafe.Add(src, r.off)
		switch r.kind {
		case runPtr:
			*(*unsafe.Pointer)(d) = *(*unsafe.Pointer)(s)
		case runWord:
			*(*uintptr)(d) = *(*uintptr)(s)
		case runMem:
			copy(unsafe.Slice((*byte)(d), r.size), unsafe.Slice((*byte)(s), r.size))
		case runArr:
			for j := range r.n {
				off := uintptr(j) * r.elem.size
				r.elem.copyVal(unsafe.Add(d, off), unsafe.Add(s, off))
			}
		}
	}
}

// cloneMap returns a deep copy of the map m of p's type. Maps go through
// reflect on every call: their layout is the runtime's business, and keys need
// no fixing (plainKey), so only values are fixed, in a reused temporary.
func (p *plan) cloneMap(m unsafe.Pointer, st *state) unsafe.Pointer {
	key := memoKey{p, m, -1}
	if dst, stop := st.visit(key); stop {
		return dst
	}
	src := reflect.NewAt(p.t, unsafe.Pointer(&m)).Elem()
	dst := reflect.MakeMapWithSize(p.t, src.Len())
	dm := dst.UnsafePointer()
	st.record(key, dm)
	st.depth++
	k := reflect.New(p.t.Key()).Elem()
	v := reflect.New(p.t.Elem()).Elem()
	vp := v.Addr().UnsafePointer()
	for it := src.MapRange(); !st.abort && it.Next(); {
		k.SetIterKey(it)
		v.SetIterValue(it)
		if p.val.needsFix {
			p.val.fix(vp, st)
		}
		dst.SetMapIndex(k, v)
	}
	st.depth--
	return dm
}
