package clone

import (
	"reflect"
	"sync/atomic"
)

// A plan says how to deep-copy values of one type. Plans are built once per
// type under buildMu and are immutable once published, apart from arrTypes,
// which is filled lazily with atomic stores.
//
// Copying works by fix-up: the caller first makes a plain (bitwise, but
// GC-correct) copy of a value, then fix replaces every slice, pointer and map
// in it by a deep copy. ops lists where those references are, flattened
// through inline structs and small arrays, so fixing a struct with one slice
// field is one loop iteration.
type plan struct {
	t        reflect.Type
	size     uintptr
	needsFix bool // len(ops) > 0: a plain copy still shares memory
	hasPtrs  bool // values hold pointer words (strings included)
	ops      []op // references inside one value, by offset
	alloc    allocKind

	// runs copies one value into fresh zeroed memory with write barriers on
	// its pointer words (see copyVal); set for every type with pointers, and
	// used for allocReflect types and for arrays inside other values.
	runs []run

	// For allocReflect: typed backing arrays come from reflect.New of an
	// array type. Small lengths use a cached array type (one allocation, and
	// ArrayOf per call costs a global cache lookup); larger ones use MakeSlice,
	// whose extra header allocation matters little next to the array.
	sliceT   reflect.Type
	arrTypes [maxCachedArray + 1]atomic.Pointer[arrayType]

	val *plan // maps only: plan of the element type
}

type arrayType struct{ t reflect.Type }

const maxCachedArray = 16

// allocKind says how to allocate (and bulk-copy) an array of a plan's type.
// The garbage collector needs typed memory for values with pointers; for the
// common element kinds a Go type with the same pointer layout gives that
// without reflection.
type allocKind uint8

const (
	allocNoPtr   allocKind = iota // no pointers: []uint64 backing, memmove
	allocString                   // any string kind: []string
	allocWord                     // pointers and maps: []unsafe.Pointer
	allocSlice                    // any slice kind: []sliceHeader
	allocReflect                  // anything else with pointers: reflect-allocated, copied by runs
)

type opKind uint8

const (
	opSlice opKind = iota // slice header at off; elem is the element plan
	opPtr                 // pointer at off; elem is the pointee plan
	opMap                 // map at off; elem is the plan of the map type
	opArray               // n values of elem's type at off, each fixed by elem
)

type op struct {
	off  uintptr
	kind opKind
	n    int // opArray only
	elem *plan
}

type runKind uint8

const (
	runMem  runKind = iota // size bytes without pointers
	runWord                // one aligned word without pointers (faster than memmove)
	runPtr                 // one pointer word
	runArr                 // n values of elem's type (with pointers) copied by elem.runs
)

type run struct {
	off  uintptr
	size uintptr
	kind runKind
	n    int
	elem *plan
}

// Flattening limits: inline arrays with more references (or pointer words)
// than this get one loop op instead of one op per reference, so a huge array
// type does not make a huge plan.
const (
	maxFlatOps  = 16
	maxFlatRuns = 32
)

// builder builds the plans of one For call. local holds plans under
// construction (and finished ones), so a recursive type refers to its own
// incomplete plan instead of recursing forever.
type builder struct {
	local map[reflect.Type]*plan
}

// plan returns the plan for t: a published one, one of this build (possibly
// still incomplete, when t is recursive), or a new one.
func (b *builder) plan(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	if p := b.local[t]; p != nil {
		return p
	}
	p := &plan{t: t, size: t.Size(), hasPtrs: hasPointers(t)}
	b.local[t] = p
	p.ops = b.ops(t, 0, nil)
	p.needsFix = len(p.ops) > 0
	if p.hasPtrs {
		p.runs = wordRuns(mergeRuns(b.runs(t, 0, nil)))
	}
	switch {
	case !p.hasPtrs:
		p.alloc = allocNoPtr
	case t.Kind() == reflect.String:
		p.alloc = allocString
	case t.Kind() == reflect.Pointer || t.Kind() == reflect.Map:
		p.alloc = allocWord
	case t.Kind() == reflect.Slice:
		p.alloc = allocSlice
	default:
		p.alloc = allocReflect
		p.sliceT = reflect.SliceOf(t)
	}
	if t.Kind() == reflect.Map {
		p.val = b.plan(t.Elem())
	}
	return p
}

// ops appends the references inside a value of type t placed at off.
func (b *builder) ops(t reflect.Type, off uintptr, out []op) []op {
	if t == locType {
		return out
	}
	switch t.Kind() {
	case reflect.Slice:
		if t.Elem().Size() == 0 {
			return out // nothing behind the slice to modify
		}
		return append(out, op{off: off, kind: opSlice, elem: b.plan(t.Elem())})
	case reflect.Pointer:
		if e := t.Elem(); e == locType || e.Size() == 0 {
			return out
		}
		return append(out, op{off: off, kind: opPtr, elem: b.plan(t.Elem())})
	case reflect.Map:
		return append(out, op{off: off, kind: opMap, elem: b.plan(t)})
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			out = b.ops(f.Type, off+f.Offset, out)
		}
	case reflect.Array:
		n, et := t.Len(), t.Elem()
		if n == 0 {
			return out
		}
		sub := b.ops(et, 0, nil)
		if len(sub) == 0 {
			return out
		}
		if n*len(sub) > maxFlatOps {
			return append(out, op{off: off, kind: opArray, n: n, elem: b.plan(et)})
		}
		for i := range n {
			for _, o := range sub {
				o.off += off + uintptr(i)*et.Size()
				out = append(out, o)
			}
		}
	}
	return out
}

// runs appends how to copy a value of type t placed at off. Padding between
// fields is not copied (fresh memory is zeroed, and padding is never read).
func (b *builder) runs(t reflect.Type, off uintptr, out []run) []run {
	if !hasPointers(t) {
		if t.Size() == 0 {
			return out
		}
		return append(out, run{off: off, size: t.Size(), kind: runMem})
	}
	switch t.Kind() {
	case reflect.String: // data pointer, length
		return append(out, run{off: off, kind: runPtr}, run{off: off + ptrSize, size: ptrSize, kind: runMem})
	case reflect.Slice: // data pointer, length, capacity
		return append(out, run{off: off, kind: runPtr}, run{off: off + ptrSize, size: 2 * ptrSize, kind: runMem})
	case reflect.Pointer, reflect.Map:
		return append(out, run{off: off, kind: runPtr})
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			out = b.runs(f.Type, off+f.Offset, out)
		}
	case reflect.Array:
		n, et := t.Len(), t.Elem()
		sub := mergeRuns(b.runs(et, 0, nil))
		if n*len(sub) > maxFlatRuns {
			return append(out, run{off: off, kind: runArr, n: n, elem: b.plan(et)})
		}
		for i := range n {
			for _, r := range sub {
				r.off += off + uintptr(i)*et.Size()
				out = append(out, r)
			}
		}
	}
	return out
}

// mergeRuns joins consecutive memory runs, including the padding between them
// (copying padding is harmless and one memmove beats two).
func mergeRuns(rs []run) []run {
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r.kind == runMem && out[n-1].kind == runMem {
			out[n-1].size = r.off + r.size - out[n-1].off
			continue
		}
		out = append(out, r)
	}
	return out
}

// wordRuns marks single aligned words among the merged runs of a plan: a
// plain word store beats a memmove call for them.
func wordRuns(rs []run) []run {
	for i := range rs {
		if r := &rs[i]; r.kind == runMem && r.size == ptrSize && r.off%ptrSize == 0 {
			r.kind = runWord
		}
	}
	return rs
}
