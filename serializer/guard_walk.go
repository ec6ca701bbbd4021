package serializer

import (
	"fmt"
	"reflect"
	"unsafe"
)

// checkEncode returns an ErrCodec error if the codec whose typeInfo for V is
// g cannot safely encode *v: the value is cyclic, nested too deep, or of a
// type the library cannot handle. It walks only what g says may need it.
// Codecs call it only when g.fast is false, so that the check costs ordinary
// types one test of a field.
func checkEncode[V any](g *typeInfo, v *V) error {
	if why := g.check(reflect.ValueOf(v).Elem()); why != "" {
		return codecErr(nil, "%s cannot encode %s: %s", g.r.name, typeName[V](), why)
	}
	return nil
}

// check explains why v, a value of ti's type, cannot be encoded, or returns "".
func (ti *typeInfo) check(v reflect.Value) string {
	if ti.bad != "" {
		return ti.bad
	}
	var w walker
	if w.walk(v, ti, 0, 0) {
		return ""
	}
	if w.fail == failBad {
		return w.bad
	}
	return w.explain()
}

// Reasons a walk stops.
const (
	failNone = iota
	failDeep
	failRefs
	failCycle
	failBad
)

// recordBelow is the depth (containers plus references) from which a walk
// records the references on its path. Above it, a walk only counts levels,
// which costs next to nothing and allocates nothing, and ordinary values
// are never that deep. Below it, a cycle shows up as a reference met again
// inside itself within one more turn of the cycle: long before the limits,
// and before the walk has gone round the cycle (and whatever hangs off it)
// thousands of times.
const recordBelow = 64

// walker walks a value along the parts its codec encodes, recording the
// references on its path below recordBelow.
type walker struct {
	path map[pathKey]struct{}
	fail int
	bad  string       // failBad: why
	typ  reflect.Type // failCycle: the type of the reference met again
}

// pathKey identifies a reference: the same address, length and type is the
// same value, so meeting it again inside itself means the value is infinite.
type pathKey struct {
	p unsafe.Pointer
	n int
	t reflect.Type
}

func (w *walker) explain() string {
	switch w.fail {
	case failCycle:
		return fmt.Sprintf("the value is cyclic: a %s in it contains itself (store a tree: leave the back "+
			"reference out of the encoded fields and restore it after decoding)", w.typ)
	case failRefs:
		return fmt.Sprintf("the value holds more than %d pointers and interfaces inside one another "+
			"(store a flatter value)", maxRefs)
	}
	return fmt.Sprintf("the value is nested deeper than %d levels of maps, slices, arrays and structs "+
		"(store a flatter value)", maxNesting)
}

func (w *walker) stop(why int) bool {
	w.fail = why
	return false
}

// enter records the reference (p, n) of type t on the path, at depth d,
// and reports false if it is already there.
func (w *walker) enter(p unsafe.Pointer, n int, t reflect.Type, d int) bool {
	if d < recordBelow {
		return true
	}
	if w.path == nil {
		w.path = map[pathKey]struct{}{}
	}
	k := pathKey{p, n, t}
	if _, ok := w.path[k]; ok {
		w.typ = t
		return w.stop(failCycle)
	}
	w.path[k] = struct{}{}
	return true
}

func (w *walker) leave(p unsafe.Pointer, n int, t reflect.Type, d int) {
	if d >= recordBelow {
		delete(w.path, pathKey{p, n, t})
	}
}

// walk checks v, a value of ti's type with c containers and r references
// above it, and reports whether it is within the limits.
func (w *walker) walk(v reflect.Value, ti *typeInfo, c, r int) bool {
	if !ti.walk {
		return w.fits(ti, c, r)
	}
	switch ti.kind {
	case reflect.Pointer:
		if v.IsNil() {
			return true
		}
		if r >= maxRefs {
			return w.stop(failRefs)
		}
		p := v.UnsafePointer()
		if !w.enter(p, 0, ti.typ, c+r) {
			return false
		}
		ok := w.walk(v.Elem(), ti.elem, c, r+1)
		w.leave(p, 0, ti.typ, c+r)
		return ok
	case reflect.Interface:
		if v.CanInterface() {
			return w.anyValue(v.Interface(), ti.r, c, r)
		}
		if v.IsNil() {
			return true
		}
		e := v.Elem()
		if k := e.Kind(); k <= reflect.Complex128 || k == reflect.String {
			return true // booleans, numbers and strings hold nothing
		}
		if r >= maxRefs {
			return w.stop(failRefs)
		}
		ei := ti.r.info(e.Type())
		if ei.bad != "" {
			w.bad = ei.bad
			return w.stop(failBad)
		}
		return w.walk(e, ei, c, r+1)
	case reflect.Struct:
		if c >= maxNesting {
			return w.stop(failDeep)
		}
		if !w.fits(ti, c, r) {
			return false
		}
		for _, f := range ti.fields {
			if !w.walk(v.Field(f.index), f.info, c+1, r) {
				return false
			}
		}
		return true
	case reflect.Slice, reflect.Array:
		n := v.Len()
		if n == 0 {
			return true
		}
		if c >= maxNesting {
			return w.stop(failDeep)
		}
		if c+r < recordBelow && ti.typ == anySliceType && v.CanInterface() {
			return w.anySlice(v.Interface().([]any), ti.r, c, r)
		}
		var p unsafe.Pointer
		if ti.kind == reflect.Slice {
			if p = v.UnsafePointer(); !w.enter(p, n, ti.typ, c+r) {
				return false
			}
		}
		for i := range n {
			if !w.walk(v.Index(i), ti.elem, c+1, r) {
				return false
			}
		}
		if p != nil {
			w.leave(p, n, ti.typ, c+r)
		}
		return true
	case reflect.Map:
		if v.Len() == 0 {
			return true
		}
		if c >= maxNesting {
			return w.stop(failDeep)
		}
		if !w.fits(ti, c, r) {
			return false
		}
		if c+r < recordBelow && ti.typ == anyMapType && v.CanInterface() {
			return w.anyMap(v.Interface().(map[string]any), ti.r, c, r)
		}
		p := v.UnsafePointer()
		if !w.enter(p, 0, ti.typ, c+r) {
			return false
		}
		ok := w.mapEntries(v, ti, c, r)
		w.leave(p, 0, ti.typ, c+r)
		return ok
	}
	return true
}

// fits checks the bounds of ti's parts that need no walk against the levels
// left below c containers and r references.
func (w *walker) fits(ti *typeInfo, c, r int) bool {
	if c+ti.depth > maxNesting {
		return w.stop(failDeep)
	}
	if r+ti.refs > maxRefs {
		return w.stop(failRefs)
	}
	return true
}

// mapEntries walks the keys and elements of the map v that need a walk.
func (w *walker) mapEntries(v reflect.Value, ti *typeInfo, c, r int) bool {
	var it reflect.MapIter
	it.Reset(v)
	if !v.CanInterface() {
		// Reached through an unexported field: Set* would panic on it.
		for it.Next() {
			if (ti.key != nil && !w.walk(it.Key(), ti.key, c+1, r)) ||
				(ti.elem.walk && !w.walk(it.Value(), ti.elem, c+1, r)) {
				return false
			}
		}
		return true
	}
	// Reusing one key and one element holder saves an allocation per entry.
	var k, e reflect.Value
	if ti.key != nil {
		k = reflect.New(ti.key.typ).Elem()
	}
	if ti.elem.walk {
		e = reflect.New(ti.elem.typ).Elem()
	}
	for it.Next() {
		if ti.key != nil {
			k.SetIterKey(&it)
			if !w.walk(k, ti.key, c+1, r) {
				return false
			}
		}
		if ti.elem.walk {
			e.SetIterValue(&it)
			if !w.walk(e, ti.elem, c+1, r) {
				return false
			}
		}
	}
	return true
}

var (
	anyMapType   = reflect.TypeFor[map[string]any]()
	anySliceType = reflect.TypeFor[[]any]()
)

// anyValue walks x, the content of an interface, with c containers and r
// references above the interface. The shapes decoded JSON and msgpack take
// (map[string]any, []any, strings, numbers) are walked without reflection
// above recordBelow, which makes walking them several times cheaper; other
// types, and those below recordBelow (whose addresses are recorded), go to
// walk.
func (w *walker) anyValue(x any, rl *rules, c, r int) bool {
	switch y := x.(type) {
	case nil, string, bool, int, int64, float64, uint64, int32, uint32, float32, int8, uint8, int16, uint16, uint:
		return true
	case map[string]any:
		if c+r+1 < recordBelow {
			return w.anyMap(y, rl, c, r+1) // r+1 < recordBelow < maxRefs
		}
	case []any:
		if c+r+1 < recordBelow {
			return w.anySlice(y, rl, c, r+1)
		}
	}
	e := reflect.ValueOf(x)
	if k := e.Kind(); k <= reflect.Complex128 || k == reflect.String {
		return true // booleans, numbers and strings hold nothing
	}
	if r >= maxRefs {
		return w.stop(failRefs)
	}
	ei := rl.info(e.Type())
	if ei.bad != "" {
		w.bad = ei.bad
		return w.stop(failBad)
	}
	return w.walk(e, ei, c, r+1)
}

func (w *walker) anyMap(m map[string]any, rl *rules, c, r int) bool {
	if len(m) == 0 {
		return true
	}
	if c >= maxNesting {
		return w.stop(failDeep)
	}
	for _, x := range m {
		if !w.anyValue(x, rl, c+1, r) {
			return false
		}
	}
	return true
}

func (w *walker) anySlice(s []any, rl *rules, c, r int) bool {
	if len(s) == 0 {
		return true
	}
	if c >= maxNesting {
		return w.stop(failDeep)
	}
	for _, x := range s {
		if !w.anyValue(x, rl, c+1, r) {
			return false
		}
	}
	return true
}
