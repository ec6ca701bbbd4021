package clone

import (
	"fmt"
	"reflect"
	"testing"
	"unsafe"
)

// Reflection-based test helpers, written independently of the package's
// plans: they find every piece of mutable memory in a value (regions) and
// change every mutable part of a value (mutate). Unexported fields are reached
// by re-making them with reflect.NewAt, which drops the read-only flag.

// writable returns v (which must be addressable) without the read-only flag
// reflect puts on values reached through unexported fields.
func writable(v reflect.Value) reflect.Value {
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}

// addressable returns an addressable copy of v when v is not addressable
// (map values); the copy shares v's references.
func addressable(v reflect.Value) reflect.Value {
	if v.CanAddr() {
		return writable(v)
	}
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	return c
}

// region is a piece of memory some part of a value can be modified through.
type region struct {
	lo, hi uintptr // [lo, hi)
	path   string
}

type visitKey struct {
	p uintptr
	t reflect.Type
}

// regions lists the mutable memory reachable from v: slice backing arrays (up
// to capacity, so shared spare capacity counts too), pointees, and maps (one
// byte at the map's address, enough to detect a shared map). Strings and
// *time.Location are immutable and not listed.
func regions(v reflect.Value) []region {
	var out []region
	walkRegions(addressable(v), "v", &out, map[visitKey]bool{})
	return out
}

func walkRegions(v reflect.Value, path string, out *[]region, seen map[visitKey]bool) {
	t := v.Type()
	if t == locType {
		return
	}
	switch t.Kind() {
	case reflect.Slice:
		if v.IsNil() || v.Cap() == 0 || t.Elem().Size() == 0 || !firstVisit(seen, v) {
			return
		}
		lo := v.Pointer()
		*out = append(*out, region{lo, lo + uintptr(v.Cap())*t.Elem().Size(), path})
		for i := range v.Len() {
			walkRegions(writable(v.Index(i)), fmt.Sprintf("%s[%d]", path, i), out, seen)
		}
	case reflect.Pointer:
		if v.IsNil() || t.Elem() == locType || t.Elem().Size() == 0 || !firstVisit(seen, v) {
			return
		}
		lo := v.Pointer()
		*out = append(*out, region{lo, lo + t.Elem().Size(), path})
		walkRegions(writable(v.Elem()), "(*"+path+")", out, seen)
	case reflect.Map:
		if v.IsNil() || !firstVisit(seen, v) {
			return
		}
		*out = append(*out, region{v.Pointer(), v.Pointer() + 1, path})
		for it := v.MapRange(); it.Next(); {
			walkRegions(addressable(it.Value()), fmt.Sprintf("%s[%v]", path, it.Key()), out, seen)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			walkRegions(writable(v.Field(i)), path+"."+t.Field(i).Name, out, seen)
		}
	case reflect.Array:
		for i := range v.Len() {
			walkRegions(writable(v.Index(i)), fmt.Sprintf("%s[%d]", path, i), out, seen)
		}
	}
}

// checkDisjoint fails t if any mutable memory of a overlaps mutable memory of b.
func checkDisjoint(t testing.TB, a, b any) {
	t.Helper()
	ra, rb := regions(reflect.ValueOf(a)), regions(reflect.ValueOf(b))
	for _, r := range rb {
		for _, o := range ra {
			if o.lo < r.hi && r.lo < o.hi {
				t.Fatalf("memory shared between original %s and clone %s", o.path, r.path)
			}
		}
	}
}

// mutate changes every mutable part reachable from v (which must be
// addressable): scalars and strings in place, every slice element, every map
// value (written back with SetMapIndex, which also modifies the map itself),
// every pointee. It reports how many places it changed.
func mutate(v reflect.Value) int {
	return mutateIn(writable(v), map[visitKey]bool{})
}

// firstVisit records the reference v (a non-nil slice, pointer or map) in seen
// and reports whether it was not there yet: the walkers visit shared and cyclic
// parts once.
func firstVisit(seen map[visitKey]bool, v reflect.Value) bool {
	k := visitKey{v.Pointer(), v.Type()}
	if seen[k] {
		return false
	}
	seen[k] = true
	return true
}

func mutateIn(v reflect.Value, seen map[visitKey]bool) int {
	t := v.Type()
	if t == locType {
		return 0
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(v.Uint() + 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 1)
	case reflect.Complex64, reflect.Complex128:
		v.SetComplex(v.Complex() + 1)
	case reflect.String:
		v.SetString(v.String() + "!")
	case reflect.Slice:
		if v.IsNil() || !firstVisit(seen, v) {
			return 0
		}
		n := 0
		for i := range v.Len() {
			n += mutateIn(writable(v.Index(i)), seen)
		}
		return n
	case reflect.Pointer:
		if v.IsNil() || t.Elem() == locType || !firstVisit(seen, v) {
			return 0
		}
		return mutateIn(writable(v.Elem()), seen)
	case reflect.Map:
		if v.IsNil() || !firstVisit(seen, v) {
			return 0
		}
		n := 0
		for _, key := range v.MapKeys() {
			e := addressable(v.MapIndex(key))
			n += mutateIn(e, seen)
			v.SetMapIndex(key, e)
			if key.Kind() == reflect.String { // a new key shows a shared map even when values cannot change
				nk := reflect.New(key.Type()).Elem()
				nk.SetString(key.String() + "~")
				v.SetMapIndex(nk, reflect.Zero(t.Elem()))
				n++
			}
		}
		return n
	case reflect.Struct:
		n := 0
		for i := range v.NumField() {
			n += mutateIn(writable(v.Field(i)), seen)
		}
		return n
	case reflect.Array:
		n := 0
		for i := range v.Len() {
			n += mutateIn(writable(v.Index(i)), seen)
		}
		return n
	default:
		return 0
	}
	return 1
}
