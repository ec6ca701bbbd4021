package clone

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
	"unsafe"
)

// TestRandomTypes builds random types with reflect (structs with exported and
// unexported fields, arrays, slices, pointers, maps, unsupported kinds mixed
// in), checks that the plan reports support exactly when expected, and for
// supported ones clones random values in both tree and graph mode: the clone
// must be deeply equal, share no mutable memory, and survive mutation of
// either side. When the plan says a plain copy suffices, the value must have
// no mutable memory at all.
func TestRandomTypes(t *testing.T) {
	types := 400
	if testing.Short() {
		types = 100
	}
	for seed := range uint64(types) {
		r := rand.New(rand.NewPCG(seed, 1))
		typ, wantOK := randType(r, 3)
		t.Run(fmt.Sprintf("%d", seed), func(t *testing.T) {
			p, ok := rootPlan(typ)
			if ok != wantOK {
				t.Fatalf("%v: ok = %v, want %v", typ, ok, wantOK)
			}
			if !ok {
				return
			}
			for vs := range uint64(3) {
				orig := randValue(typ, seed, vs)
				want := randValue(typ, seed, vs)
				if !p.needsFix {
					if rs := regions(orig); len(rs) != 0 {
						t.Fatalf("%v: plain copy claimed safe, but %s is mutable", typ, rs[0].path)
					}
					continue
				}
				for _, graph := range []bool{false, true} {
					cl := cloneValue(p, orig, graph)
					if !reflect.DeepEqual(orig.Interface(), cl.Interface()) {
						t.Fatalf("%v (graph=%v): clone differs\n orig  %#v\n clone %#v", typ, graph, orig, cl)
					}
					checkDisjoint(t, orig.Interface(), cl.Interface())
					mutate(cl)
					if !reflect.DeepEqual(orig.Interface(), want.Interface()) {
						t.Fatalf("%v (graph=%v): mutating the clone changed the original", typ, graph)
					}
				}
				cl := cloneValue(p, orig, false)
				mutate(orig)
				if !reflect.DeepEqual(cl.Interface(), want.Interface()) {
					t.Fatalf("%v: mutating the original changed the clone", typ)
				}
			}
		})
	}
}

// cloneValue clones v (of p's type) the way For's function does, returning an
// addressable result.
func cloneValue(p *plan, v reflect.Value, graph bool) reflect.Value {
	out := reflect.New(v.Type())
	out.Elem().Set(v)
	st := state{graph: graph}
	if graph {
		st.seen = map[memoKey]unsafe.Pointer{}
	}
	p.fix(out.UnsafePointer(), &st)
	if st.abort {
		panic("random values are never that deep")
	}
	return out.Elem()
}

var (
	leafTypes = []reflect.Type{
		reflect.TypeFor[int64](), reflect.TypeFor[int8](), reflect.TypeFor[uint16](),
		reflect.TypeFor[bool](), reflect.TypeFor[float64](), reflect.TypeFor[string](),
		reflect.TypeFor[complex64](), reflect.TypeFor[time.Time](), reflect.TypeFor[struct{}](),
		reflect.TypeFor[Tag](), reflect.TypeFor[uintptr](),
	}
	badLeafTypes = []reflect.Type{
		reflect.TypeFor[chan int](), reflect.TypeFor[func()](), reflect.TypeFor[any](),
		reflect.TypeFor[unsafe.Pointer](), reflect.TypeFor[error](),
	}
	keyTypes = []reflect.Type{
		reflect.TypeFor[string](), reflect.TypeFor[int](), reflect.TypeFor[[2]int8](),
		reflect.TypeFor[key2](), reflect.TypeFor[time.Time](), reflect.TypeFor[Tag](),
	}
	badKeyTypes = []reflect.Type{
		reflect.TypeFor[*int](), reflect.TypeFor[any](), reflect.TypeFor[[1]*string](),
		reflect.TypeFor[struct{ P *int }](),
	}
)

// randType returns a random type and whether For should support it.
func randType(r *rand.Rand, depth int) (reflect.Type, bool) {
	if depth == 0 || (depth < 3 && r.IntN(4) == 0) {
		if r.IntN(25) == 0 {
			return badLeafTypes[r.IntN(len(badLeafTypes))], false
		}
		return leafTypes[r.IntN(len(leafTypes))], true
	}
	switch r.IntN(5) {
	case 0:
		e, ok := randType(r, depth-1)
		return reflect.SliceOf(e), ok
	case 1:
		e, ok := randType(r, depth-1)
		n := []int{0, 1, 3, 20}[r.IntN(4)]
		return reflect.ArrayOf(n, e), ok || n == 0
	case 2:
		e, ok := randType(r, depth-1)
		return reflect.PointerTo(e), ok
	case 3:
		e, ok := randType(r, depth-1)
		if r.IntN(15) == 0 {
			return reflect.MapOf(badKeyTypes[r.IntN(len(badKeyTypes))], e), false
		}
		return reflect.MapOf(keyTypes[r.IntN(len(keyTypes))], e), ok
	default:
		n := 1 + r.IntN(4)
		fields := make([]reflect.StructField, n)
		allOK := true
		for i := range fields {
			ft, ok := randType(r, depth-1)
			allOK = allOK && ok
			fields[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: ft}
			if r.IntN(2) == 0 { // unexported
				fields[i].Name = fmt.Sprintf("f%d", i)
				fields[i].PkgPath = "github.com/stratacache/strata/internal/clone"
			}
		}
		return reflect.StructOf(fields), allOK
	}
}

// randValue returns an addressable random value of t, the same for the same
// seeds.
func randValue(t reflect.Type, seed, vs uint64) reflect.Value {
	r := rand.New(rand.NewPCG(seed, 100+vs))
	v := reflect.New(t).Elem()
	fill(v, r)
	return v
}

var zones = []*time.Location{time.UTC, time.FixedZone("A", 3600), time.FixedZone("B", -7200)}

// fill sets v (settable) to a random value: slices and maps are nil, empty
// or filled; some slices are long enough to pass the cached array types.
func fill(v reflect.Value, r *rand.Rand) {
	t := v.Type()
	if t == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Unix(r.Int64N(1e10), r.Int64N(1e9)).In(zones[r.IntN(len(zones))])))
		return
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(r.Int64N(100) - 50)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(r.Uint64N(100))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(r.Float64())
	case reflect.Complex64, reflect.Complex128:
		v.SetComplex(complex(r.Float64(), r.Float64()))
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", r.IntN(1000)))
	case reflect.Slice:
		var n int
		switch x := r.IntN(10); {
		case x == 0:
			return // nil
		case x == 1:
			n = 0
		case x == 2:
			n = 17 + r.IntN(10)
		default:
			n = 1 + r.IntN(4)
		}
		s := reflect.MakeSlice(t, n, n+r.IntN(3)) // spare capacity must not be shared either
		for i := range n {
			fill(s.Index(i), r)
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			fill(v.Index(i), r)
		}
	case reflect.Pointer:
		if r.IntN(5) == 0 {
			return
		}
		p := reflect.New(t.Elem())
		fill(p.Elem(), r)
		v.Set(p)
	case reflect.Map:
		x := r.IntN(7)
		if x == 0 {
			return
		}
		m := reflect.MakeMap(t)
		if x > 1 {
			for range 1 + r.IntN(3) {
				k := reflect.New(t.Key()).Elem()
				fill(k, r)
				e := reflect.New(t.Elem()).Elem()
				fill(e, r)
				m.SetMapIndex(k, e)
			}
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(writable(v.Field(i)), r)
		}
	}
}
