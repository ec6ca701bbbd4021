// Package clone builds deep-copy functions for Go types.
//
// A typed cache keeps one decoded value per key in memory and hands every
// caller a copy of it. That is only safe if no caller can change the kept value
// through its copy, so the copy must share no mutable memory with it. For[V]
// works out once per type, with reflection, where the mutable memory of a V is
// (slices, maps, pointees) and returns a function that copies exactly those
// parts, using unsafe pointer arithmetic with precomputed offsets instead of
// reflection on every call.
//
// Values are expected to be trees, as values decoded from msgpack, JSON or gob
// are, and are copied as trees: two references to the same memory in the
// original become two separate copies in the clone. A value nested deeper than
// maxTreeDepth (which every cyclic value is) is copied again in graph mode,
// which reuses the copy of any slice, pointee or map it meets twice: cloning
// ends, and a cycle in the original is a cycle in the clone (through the
// clone's memory only). Either way the clone shares no mutable memory with
// the original.
package clone

import (
	"reflect"
	"sync"
	"time"
	"unsafe"
)

// For returns how to copy a V so that the copy shares no mutable memory with the original.
//
// ok is false when V holds something that cannot be deep-copied safely: a chan,
// a func, an unsafe.Pointer, any interface type (its dynamic contents are
// unknown when the plan is built), or a map whose key holds a pointer (keys
// cannot be copied without changing their identity). Zero-length arrays hold
// nothing and are accepted whatever their element type.
//
// clone is nil (with ok true) when a plain assignment is already such a copy:
// V holds only booleans, numbers, strings (immutable), arrays and structs of
// those, and time.Time (treated as immutable: the time package never modifies a
// Location, so *time.Location pointers are shared, never followed, and a
// time.Location value is copied shallowly).
//
// Otherwise clone returns a deep copy: every slice, map and pointer reachable
// from the value is copied (recursively), nil stays nil, an empty non-nil
// slice/map stays empty non-nil, slice length is preserved (capacity equals
// length, so appending to the clone never writes into the original's spare
// capacity), and strings are shared (immutable). Unexported fields are copied
// like exported ones. Slices and pointers whose element type has size zero are
// shared: there is no memory behind them to modify. A uintptr is a number.
// clone only reads its argument; it must not be modified during the call.
//
// For is safe for concurrent use and cheap after the first call for a given V;
// the returned clone function is safe for concurrent use.
func For[V any]() (clone func(V) V, ok bool) {
	t := reflect.TypeFor[V]()
	if e, hit := funcs.Load(t); hit {
		fn, _ := e.(*entry).fn.(func(V) V) // nil when no function is needed
		return fn, e.(*entry).ok
	}
	p, ok := rootPlan(t)
	e := &entry{ok: ok}
	if ok && p.needsFix {
		e.fn = func(v V) V {
			// out starts as a plain copy; fix replaces its references in place.
			// out and st stay on this stack (fix retains neither), so a clone
			// of a struct with one slice costs one allocation.
			out := v
			var st state
			p.fix(unsafe.Pointer(&out), &st)
			if st.abort { // nested too deep for a tree: start over in graph mode
				out = v
				st = state{graph: true, seen: make(map[memoKey]unsafe.Pointer)}
				p.fix(unsafe.Pointer(&out), &st)
			}
			return out
		}
	}
	actual, _ := funcs.LoadOrStore(t, e)
	e = actual.(*entry)
	fn, _ := e.fn.(func(V) V)
	return fn, e.ok
}

// entry is what For caches per type: the clone function (nil when a plain copy
// suffices or V is unsupported) and ok. Caching the closure, not just the plan,
// makes a repeated For a map lookup and a type assertion.
type entry struct {
	fn any // func(V) V or nil
	ok bool
}

var (
	funcs   sync.Map   // reflect.Type -> *entry
	plans   sync.Map   // reflect.Type -> *plan, only complete plans of supported types
	buildMu sync.Mutex // serialises plan building, so one plan per type is built
)

// locType is treated as immutable: the time package never modifies a Location
// after it is created (beyond the one-time initialisation of time.Local, which
// it guards itself), and copying it would also break comparisons such as
// t.Location() == time.UTC.
var locType = reflect.TypeFor[time.Location]()

const ptrSize = unsafe.Sizeof(uintptr(0))

// rootPlan returns the plan for t, building and publishing it (and every plan
// it refers to) on first use; ok is false if t is not supported.
func rootPlan(t reflect.Type) (p *plan, ok bool) {
	if p, hit := plans.Load(t); hit {
		return p.(*plan), true
	}
	if !supported(t, map[reflect.Type]bool{}) {
		return nil, false
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	// Plan building only calls reflect functions that panic on misuse (for
	// example ArrayOf of an absurdly large type). None is expected for a
	// supported type; if one happens anyway, report the type as unsupported
	// rather than panicking in For.
	defer func() {
		if recover() != nil {
			p, ok = nil, false
		}
	}()
	b := builder{local: map[reflect.Type]*plan{}}
	p = b.plan(t)
	// Publish only now: plans built above may refer to each other while they
	// were incomplete, and no other goroutine may see them in that state.
	for lt, lp := range b.local {
		plans.Store(lt, lp)
	}
	return p, true
}

// supported reports whether every type reachable from t can be deep-copied.
// seen breaks recursion: a type already being checked is assumed fine, and the
// answer for the whole graph is false as soon as any reachable type is not.
func supported(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] || t == locType {
		return true
	}
	seen[t] = true
	if notInHeap(t) {
		return false
	}
	if plainKind(t.Kind()) {
		return true
	}
	switch t.Kind() {
	case reflect.Array:
		return t.Len() == 0 || supported(t.Elem(), seen)
	case reflect.Slice:
		return supported(t.Elem(), seen)
	case reflect.Pointer:
		return supported(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if !supported(t.Field(i).Type, seen) {
				return false
			}
		}
		return true
	case reflect.Map:
		return plainKey(t.Key()) && supported(t.Elem(), seen)
	default: // Chan, Func, Interface, UnsafePointer
		return false
	}
}

// notInHeap reports the cgo marker types that reflect cannot allocate (reflect.New
// panics on them); they are reported unsupported instead.
func notInHeap(t reflect.Type) bool {
	return (t.PkgPath() == "runtime/cgo" && t.Name() == "Incomplete") ||
		t.PkgPath() == "internal/runtime/sys"
}

// plainKey reports whether a map key of type t may be copied by assignment: it
// holds no pointer other than *time.Location. Keys that hold pointers compare
// by address, so a deep copy would be a different key; such maps are refused.
func plainKey(t reflect.Type) bool {
	if t == locType {
		return true
	}
	if plainKind(t.Kind()) {
		return true
	}
	switch t.Kind() {
	case reflect.Array:
		return t.Len() == 0 || plainKey(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !plainKey(t.Field(i).Type) {
				return false
			}
		}
		return true
	case reflect.Pointer:
		return t.Elem() == locType
	default:
		return false
	}
}

// hasPointers reports whether a value of type t holds pointer words the
// garbage collector must know about, which decides how its copies are
// allocated and written (see allocKind). Only called for supported types.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Slice, reflect.Pointer, reflect.Map:
		return true
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// plainKind reports whether values of kind k hold no reference: booleans,
// numbers and strings (whose bytes are immutable).
func plainKind(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return true
	}
	return false
}
