package clone

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// checkDeep is the core check for a type whose clone must copy something.
// mk must build a fresh, identical value on every call (so one copy can serve
// as the reference the original is compared to after the clone is mutated).
func checkDeep[V any](t *testing.T, mk func() V) {
	t.Helper()
	c, ok := For[V]()
	if !ok {
		t.Fatalf("For[%v]: ok = false", reflect.TypeFor[V]())
	}
	if c == nil {
		t.Fatalf("For[%v]: clone = nil, but the type holds references", reflect.TypeFor[V]())
	}
	orig, want := mk(), mk()
	if !reflect.DeepEqual(orig, want) {
		t.Fatalf("mk is not deterministic")
	}
	cl := c(orig)
	if !reflect.DeepEqual(orig, cl) {
		t.Fatalf("clone differs:\n orig  %#v\n clone %#v", orig, cl)
	}
	checkDisjoint(t, orig, cl)

	// Mutating the clone must leave the original alone ...
	if n := mutate(reflect.ValueOf(&cl).Elem()); n == 0 {
		t.Fatalf("mutate changed nothing: the test value has nothing mutable")
	}
	if reflect.DeepEqual(cl, want) {
		t.Fatalf("mutate left the clone equal to the original")
	}
	if !reflect.DeepEqual(orig, want) {
		t.Fatalf("mutating the clone changed the original:\n got  %#v\n want %#v", orig, want)
	}

	// ... and mutating the original must leave an earlier clone alone.
	cl2 := c(orig)
	mutate(reflect.ValueOf(&orig).Elem())
	if !reflect.DeepEqual(cl2, want) {
		t.Fatalf("mutating the original changed the clone:\n got  %#v\n want %#v", cl2, want)
	}
}

type Item struct {
	ID      int64
	Name    string
	Email   string
	Tags    []string
	Score   float64
	Created int64
	Active  bool
}

type hidden struct {
	id    int
	name  string
	tags  []string
	attrs map[string][]int
	next  *hidden
	arr   [2][]byte
}

type Inner struct {
	Vals []int
	P    *int
	M    map[string]string
}

type Outer struct {
	Name   string
	Inners [3]Inner
	ByKey  map[string][]Inner
	Ptrs   []*Inner
	Nested [][]Inner
	Inner  // embedded by value
	*Point // embedded pointer
	When   time.Time
	WhenP  *time.Time
	Times  []time.Time
}

type Point struct{ X, Y int }

type Tag string

type Tags []string

type Pair struct {
	A int64
	S string
}

type Flags struct {
	B bool
	P *int
	S string
}

type Wide struct {
	Arr [40]string // more pointer words than the flattening limit
	N   int
}

type WithZero struct {
	_     [0]func() // common "do not compare" marker: holds nothing
	Empty []struct{}
	Ints  []int
	Set   map[string]struct{}
}

type key2 struct {
	A int
	B string
}

func ip(i int) *int { return &i }

func TestDeepTypes(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"Item", func(t *testing.T) {
			checkDeep(t, func() Item {
				return Item{ID: 1, Name: "n", Email: "e", Tags: []string{"a", "b", "c"}, Score: 2.5, Created: 9, Active: true}
			})
		}},
		{"[]int", func(t *testing.T) { checkDeep(t, func() []int { return []int{1, 2, 3} }) }},
		{"[]byte", func(t *testing.T) { checkDeep(t, func() []byte { return []byte("hello") }) }},
		{"[]string", func(t *testing.T) { checkDeep(t, func() []string { return []string{"x", "y"} }) }},
		{"[]Tag", func(t *testing.T) { checkDeep(t, func() []Tag { return []Tag{"x", "y"} }) }},
		{"Tags", func(t *testing.T) { checkDeep(t, func() Tags { return Tags{"x"} }) }},
		{"[]Pair", func(t *testing.T) {
			checkDeep(t, func() []Pair { return []Pair{{1, "a"}, {2, "b"}, {3, "c"}} })
		}},
		{"[]Pair/1", func(t *testing.T) { checkDeep(t, func() []Pair { return []Pair{{1, "a"}} }) }},
		{"[]Pair/40", func(t *testing.T) { // past the cached array types
			checkDeep(t, func() []Pair {
				s := make([]Pair, 40)
				for i := range s {
					s[i] = Pair{int64(i), fmt.Sprint(i)}
				}
				return s
			})
		}},
		{"[]Point", func(t *testing.T) { checkDeep(t, func() []Point { return []Point{{1, 2}, {3, 4}} }) }},
		{"[]Flags", func(t *testing.T) {
			checkDeep(t, func() []Flags { return []Flags{{true, ip(1), "a"}, {false, nil, "b"}, {true, ip(3), ""}} })
		}},
		{"[]Wide", func(t *testing.T) {
			checkDeep(t, func() []Wide {
				var w Wide
				for i := range w.Arr {
					w.Arr[i] = fmt.Sprint(i)
				}
				return []Wide{w, w}
			})
		}},
		{"*int", func(t *testing.T) { checkDeep(t, func() *int { return ip(7) }) }},
		{"**int", func(t *testing.T) { checkDeep(t, func() **int { p := ip(7); return &p }) }},
		{"*Item", func(t *testing.T) {
			checkDeep(t, func() *Item { return &Item{ID: 1, Tags: []string{"a"}} })
		}},
		{"*[]int", func(t *testing.T) { checkDeep(t, func() *[]int { s := []int{1}; return &s }) }},
		{"*[3]int", func(t *testing.T) { checkDeep(t, func() *[3]int { return &[3]int{1, 2, 3} }) }},
		{"[]*Item", func(t *testing.T) {
			checkDeep(t, func() []*Item { return []*Item{{ID: 1, Tags: []string{"a"}}, nil, {ID: 2}} })
		}},
		{"[][]string", func(t *testing.T) {
			checkDeep(t, func() [][]string { return [][]string{{"a"}, nil, {}, {"b", "c"}} })
		}},
		{"[]map[string]int", func(t *testing.T) {
			checkDeep(t, func() []map[string]int { return []map[string]int{{"a": 1}, nil, {}} })
		}},
		{"map[string]int", func(t *testing.T) {
			checkDeep(t, func() map[string]int { return map[string]int{"a": 1, "b": 2} })
		}},
		{"map[string][]int", func(t *testing.T) {
			checkDeep(t, func() map[string][]int { return map[string][]int{"a": {1, 2}, "b": nil, "c": {}} })
		}},
		{"map[string]*Item", func(t *testing.T) {
			checkDeep(t, func() map[string]*Item { return map[string]*Item{"a": {ID: 1, Tags: []string{"t"}}, "n": nil} })
		}},
		{"map[string]map[string][]int", func(t *testing.T) {
			checkDeep(t, func() map[string]map[string][]int {
				return map[string]map[string][]int{"x": {"y": {1, 2}}, "z": nil}
			})
		}},
		{"map[[2]int]string", func(t *testing.T) {
			checkDeep(t, func() map[[2]int]string { return map[[2]int]string{{1, 2}: "a"} })
		}},
		{"map[key2][]string", func(t *testing.T) {
			checkDeep(t, func() map[key2][]string { return map[key2][]string{{1, "a"}: {"v"}} })
		}},
		{"map[time.Time]int", func(t *testing.T) {
			checkDeep(t, func() map[time.Time]int { return map[time.Time]int{time.Unix(5, 0).UTC(): 1} })
		}},
		{"map[int]Item", func(t *testing.T) {
			checkDeep(t, func() map[int]Item { return map[int]Item{1: {ID: 1, Tags: []string{"a", "b"}}} })
		}},
		{"[3][]int", func(t *testing.T) { checkDeep(t, func() [3][]int { return [3][]int{{1}, nil, {2, 3}} }) }},
		{"[2]*int", func(t *testing.T) { checkDeep(t, func() [2]*int { return [2]*int{ip(1), ip(2)} }) }},
		{"[20][]int", func(t *testing.T) { // past the flattening limit: one loop op
			checkDeep(t, func() [20][]int {
				var a [20][]int
				for i := range a {
					a[i] = []int{i}
				}
				return a
			})
		}},
		{"[]*time.Time", func(t *testing.T) {
			checkDeep(t, func() []*time.Time { tm := time.Unix(1, 2).UTC(); return []*time.Time{&tm, nil} })
		}},
		{"hidden", func(t *testing.T) {
			checkDeep(t, func() hidden {
				return hidden{
					id: 1, name: "h", tags: []string{"a", "b"},
					attrs: map[string][]int{"k": {1, 2}},
					next:  &hidden{id: 2, tags: []string{"c"}, arr: [2][]byte{[]byte("p"), nil}},
					arr:   [2][]byte{[]byte("x"), []byte("yz")},
				}
			})
		}},
		{"Outer", func(t *testing.T) {
			checkDeep(t, func() Outer {
				tm := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
				return Outer{
					Name: "o",
					Inners: [3]Inner{
						{Vals: []int{1}, P: ip(1), M: map[string]string{"a": "b"}},
						{},
						{Vals: []int{}, M: map[string]string{}},
					},
					ByKey:  map[string][]Inner{"k": {{Vals: []int{5}, P: ip(5)}}},
					Ptrs:   []*Inner{{Vals: []int{6}}, nil},
					Nested: [][]Inner{{{P: ip(7)}}, {}},
					Inner:  Inner{Vals: []int{8}, P: ip(8), M: map[string]string{"x": "y"}},
					Point:  &Point{1, 2},
					When:   tm,
					WhenP:  &tm,
					Times:  []time.Time{tm, tm.Add(time.Hour)},
				}
			})
		}},
		{"WithZero", func(t *testing.T) {
			checkDeep(t, func() WithZero {
				return WithZero{Empty: make([]struct{}, 3), Ints: []int{1}, Set: map[string]struct{}{"a": {}}}
			})
		}},
		{"complex", func(t *testing.T) {
			checkDeep(t, func() []complex128 { return []complex128{1 + 2i} })
		}},
		{"uintptr", func(t *testing.T) { checkDeep(t, func() []uintptr { return []uintptr{1, 2} }) }},
		{"[]bool", func(t *testing.T) { checkDeep(t, func() []bool { return []bool{true, false, true} }) }},
		{"[][3]byte", func(t *testing.T) { checkDeep(t, func() [][3]byte { return [][3]byte{{1, 2, 3}, {4, 5, 6}} }) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

// TestNilAndEmpty checks that nil stays nil, empty non-nil stays empty non-nil,
// and that a clone's slices have capacity == length (so appending to a clone
// can never write into memory the original can see, even past its length).
func TestNilAndEmpty(t *testing.T) {
	type S struct {
		NilSlice   []int
		EmptySlice []int
		NilMap     map[string]int
		EmptyMap   map[string]int
		NilPtr     *int
		NilStrs    []string
		EmptyStrs  []string
		EmptyPairs []Pair
	}
	c, ok := For[S]()
	if !ok || c == nil {
		t.Fatalf("For[S] = %v, %v", c != nil, ok)
	}
	orig := S{EmptySlice: []int{}, EmptyMap: map[string]int{}, EmptyStrs: []string{}, EmptyPairs: []Pair{}}
	cl := c(orig)
	if cl.NilSlice != nil || cl.NilMap != nil || cl.NilPtr != nil || cl.NilStrs != nil {
		t.Errorf("nil became non-nil: %#v", cl)
	}
	if cl.EmptySlice == nil || cl.EmptyMap == nil || cl.EmptyStrs == nil || cl.EmptyPairs == nil {
		t.Errorf("empty became nil: %#v", cl)
	}
	if !reflect.DeepEqual(orig, cl) {
		t.Errorf("clone differs: %#v", cl)
	}

	// An empty slice with spare capacity: appending to the clone must not
	// write into the original's backing array.
	back := make([]int, 0, 4)
	c2, _ := For[[]int]()
	e := c2(back)
	if e == nil || len(e) != 0 {
		t.Fatalf("empty slice clone = %#v", e)
	}
	_ = append(e, 42)
	if got := back[:1][0]; got != 0 {
		t.Errorf("append to clone wrote %d into the original's spare capacity", got)
	}

	// Length is preserved, capacity trimmed to length.
	long := make([]int, 3, 10)
	long[0], long[1], long[2] = 1, 2, 3
	l := c2(long)
	if len(l) != 3 || cap(l) != 3 {
		t.Errorf("len/cap = %d/%d, want 3/3", len(l), cap(l))
	}
	l = append(l, 4)
	if got := long[:4][3]; got != 0 {
		t.Errorf("append to clone wrote %d into the original", got)
	}
}

type badRecursive struct {
	Next *badRecursive
	Kids []badRecursive
	C    chan int
}

type withAny struct {
	Name string
	V    any
}

type deepBad struct {
	A [2]struct {
		X []map[string][]any
	}
}

func TestUnsupported(t *testing.T) {
	checks := []struct {
		name string
		ok   func() (bool, bool) // clone != nil, ok
	}{
		{"chan", wrap[chan int]},
		{"func", wrap[func()]},
		{"any", wrap[any]},
		{"error", wrap[error]},
		{"io.Reader", wrap[io.Reader]},
		{"unsafe.Pointer", wrap[unsafe.Pointer]},
		{"struct with any", wrap[withAny]},
		{"struct with error", wrap[struct{ Err error }]},
		{"[]chan", wrap[[]chan int]},
		{"*func", wrap[*func()]},
		{"[1]func", wrap[[1]func()]},
		{"map[string]chan", wrap[map[string]chan int]},
		{"map[*int]int", wrap[map[*int]int]},
		{"map[[2]*int]int", wrap[map[[2]*int]int]},
		{"map[struct{P *int}]int", wrap[map[struct{ P *int }]int]},
		{"map[any]int", wrap[map[any]int]},
		{"map[*Point]string", wrap[map[*Point]string]},
		{"deep any", wrap[deepBad]},
		{"recursive with chan", wrap[badRecursive]},
		{"*recursive with chan", wrap[*badRecursive]},
		{"atomic.Pointer", wrap[atomic.Pointer[int]]}, // holds an unsafe.Pointer
	}
	for _, tc := range checks {
		t.Run(tc.name, func(t *testing.T) {
			hasFn, ok := tc.ok()
			if ok || hasFn {
				t.Fatalf("clone=%v ok=%v, want nil, false", hasFn, ok)
			}
		})
	}
}

func wrap[V any]() (bool, bool) {
	c, ok := For[V]()
	return c != nil, ok
}

type MyTime time.Time

type plainStruct struct {
	a, b string
	n    int
	t    time.Time
	arr  [2]struct {
		S string
		F float64
	}
}

func TestPlainCopyTypes(t *testing.T) {
	checks := []struct {
		name string
		ok   func() (bool, bool)
	}{
		{"int", wrap[int]},
		{"int8", wrap[int8]},
		{"uint64", wrap[uint64]},
		{"uintptr", wrap[uintptr]},
		{"float64", wrap[float64]},
		{"complex128", wrap[complex128]},
		{"bool", wrap[bool]},
		{"string", wrap[string]},
		{"Tag", wrap[Tag]},
		{"Point", wrap[Point]},
		{"struct of strings", wrap[struct{ A, B string }]},
		{"unexported fields", wrap[plainStruct]},
		{"time.Time", wrap[time.Time]},
		{"MyTime", wrap[MyTime]},
		{"*time.Location", wrap[*time.Location]},
		{"time.Location", wrap[time.Location]},
		{"[3]string", wrap[[3]string]},
		{"[2]struct{S; T}", wrap[[2]struct {
			S string
			T time.Time
		}]},
		{"struct{}", wrap[struct{}]},
		{"[]struct{}", wrap[[]struct{}]}, // nothing behind the slice
		{"*struct{}", wrap[*struct{}]},
		{"[0][]int", wrap[[0][]int]},
		{"[0]func()", wrap[struct {
			_ [0]func()
			S string
		}]},
		{"Pair", wrap[Pair]},
	}
	for _, tc := range checks {
		t.Run(tc.name, func(t *testing.T) {
			hasFn, ok := tc.ok()
			if !ok || hasFn {
				t.Fatalf("clone=%v ok=%v, want nil, true", hasFn, ok)
			}
		})
	}

	// The claim behind a nil clone: a plain copy of these shares nothing
	// mutable. checkDisjoint must find nothing mutable in such a value.
	v := plainStruct{a: "a", b: "b", t: time.Now()}
	if r := regions(reflect.ValueOf(v)); len(r) != 0 {
		t.Fatalf("plainStruct has mutable regions %v", r)
	}
}

// Time values keep their Location pointer (not copied, per the package doc).
func TestTimeLocationShared(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	type T struct {
		When time.Time
		Ptr  *time.Time
		L    []*time.Location
	}
	tm := time.Date(2024, 5, 6, 7, 8, 9, 0, loc)
	orig := T{When: tm, Ptr: &tm, L: []*time.Location{loc, time.UTC}}
	c, _ := For[T]()
	cl := c(orig)
	if cl.When.Location() != loc || cl.Ptr.Location() != loc || cl.L[0] != loc || cl.L[1] != time.UTC {
		t.Fatalf("locations were copied")
	}
	if cl.Ptr == orig.Ptr {
		t.Fatalf("*time.Time was shared")
	}
	if !cl.When.Equal(orig.When) || !cl.Ptr.Equal(tm) {
		t.Fatalf("time changed")
	}
}

type Node struct {
	Name     string
	Children []Node
	Next     *Node
	Attrs    map[string]*Node
}

type treeA struct {
	Bs  []treeB
	Val int
}

type treeB struct {
	A    *treeA
	Name string
}

type recMap map[string]recMap

type selfSlice []selfSlice

func mkNode(depth, fan int, name string) Node {
	n := Node{Name: name}
	if depth == 0 {
		return n
	}
	for i := range fan {
		n.Children = append(n.Children, mkNode(depth-1, fan, fmt.Sprintf("%s.%d", name, i)))
	}
	next := mkNode(depth-1, 1, name+">")
	n.Next = &next
	n.Attrs = map[string]*Node{"self-ish": {Name: name + "#"}, "nil": nil}
	return n
}

func TestRecursive(t *testing.T) {
	t.Run("Node", func(t *testing.T) { checkDeep(t, func() Node { return mkNode(3, 2, "r") }) })
	t.Run("*Node", func(t *testing.T) { checkDeep(t, func() *Node { n := mkNode(2, 3, "r"); return &n }) })
	t.Run("[]Node", func(t *testing.T) {
		checkDeep(t, func() []Node { return []Node{mkNode(1, 1, "a"), mkNode(2, 1, "b")} })
	})
	t.Run("mutual", func(t *testing.T) {
		checkDeep(t, func() treeA {
			return treeA{Val: 1, Bs: []treeB{{Name: "b", A: &treeA{Val: 2, Bs: []treeB{{Name: "c"}}}}, {Name: "d"}}}
		})
	})
	t.Run("map", func(t *testing.T) {
		checkDeep(t, func() recMap { return recMap{"a": {"b": {"c": nil}}, "d": {}} })
	})
	t.Run("selfSlice", func(t *testing.T) {
		c, ok := For[selfSlice]()
		if !ok || c == nil {
			t.Fatalf("For[selfSlice] = %v, %v", c != nil, ok)
		}
		orig := selfSlice{{}, nil, {{nil}, {{}}}}
		cl := c(orig)
		if !reflect.DeepEqual(orig, cl) {
			t.Fatalf("clone differs: %#v", cl)
		}
		checkDisjoint(t, orig, cl)
	})
	// Deeper than maxTreeDepth: the clone is redone in graph mode, which must
	// not merge distinct nodes.
	t.Run("long list", func(t *testing.T) {
		mk := func() *Node {
			var head *Node
			for i := range 5000 {
				head = &Node{Name: fmt.Sprint(i), Next: head, Children: []Node{{Name: "c"}}}
			}
			return head
		}
		checkDeep(t, mk)
		c, _ := For[*Node]()
		orig := mk()
		cl := c(orig)
		seen := map[*Node]bool{}
		n := 0
		for p := cl; p != nil; p = p.Next {
			if seen[p] {
				t.Fatalf("node %d repeats in the clone", n)
			}
			seen[p] = true
			n++
		}
		if n != 5000 {
			t.Fatalf("clone has %d nodes, want 5000", n)
		}
	})
}

// Shared references: copied separately in tree mode, kept shared in graph mode
// (values nested deeper than maxTreeDepth). Either way nothing is shared with
// the original.
func TestSharedReferences(t *testing.T) {
	type pair struct{ A, B *Node }
	c, _ := For[pair]()

	shared := &Node{Name: "s"}
	shallow := pair{A: shared, B: shared}
	cl := c(shallow)
	if cl.A == cl.B {
		t.Errorf("tree mode: shared pointer stayed shared")
	}
	checkDisjoint(t, shallow, cl)

	deep := &Node{Name: "bottom"}
	for range maxTreeDepth + 10 {
		deep = &Node{Name: "n", Next: deep}
	}
	shared = &Node{Name: "s", Next: deep}
	dp := pair{A: shared, B: shared}
	cl = c(dp)
	if cl.A != cl.B {
		t.Errorf("graph mode: shared pointer was unshared")
	}
	if !reflect.DeepEqual(dp, cl) {
		t.Errorf("graph mode clone differs")
	}
	checkDisjoint(t, dp, cl)
}

type ring struct {
	V    int
	Next *ring
}

type sliceCycle struct {
	V    int
	Kids []sliceCycle
}

// Cyclic values cannot come out of a decoder, but cloning one must still end.
// reflect.DeepEqual understands cycles. The maps below branch at every level,
// so a clone that only stopped unrolling at some depth would never finish.
func TestCycles(t *testing.T) {
	t.Run("pointer", func(t *testing.T) {
		a := &ring{V: 1}
		a.Next = &ring{V: 2, Next: &ring{V: 3, Next: a}}
		c, _ := For[*ring]()
		cl := c(a)
		if !reflect.DeepEqual(a, cl) {
			t.Fatal("clone differs")
		}
		checkDisjoint(t, a, cl)
		mutate(reflect.ValueOf(&cl).Elem())
		if a.V != 1 || a.Next.V != 2 || a.Next.Next.V != 3 || a.Next.Next.Next != a {
			t.Fatal("original changed")
		}
	})
	t.Run("self", func(t *testing.T) {
		a := &ring{V: 1}
		a.Next = a
		c, _ := For[ring]()
		cl := c(*a)
		if !reflect.DeepEqual(*a, cl) {
			t.Fatal("clone differs")
		}
		checkDisjoint(t, *a, cl)
	})
	t.Run("slice", func(t *testing.T) {
		s := make([]sliceCycle, 2)
		s[0] = sliceCycle{V: 1, Kids: s}
		s[1] = sliceCycle{V: 2, Kids: s[1:]}
		c, _ := For[[]sliceCycle]()
		cl := c(s)
		if !reflect.DeepEqual(s, cl) {
			t.Fatal("clone differs")
		}
		checkDisjoint(t, s, cl)
	})
	t.Run("map", func(t *testing.T) {
		m := recMap{}
		m["self"] = m
		m["other"] = recMap{"back": m}
		c, _ := For[recMap]()
		cl := c(m)
		if !reflect.DeepEqual(m, cl) {
			t.Fatal("clone differs")
		}
		checkDisjoint(t, m, cl)
		if reflect.ValueOf(cl["self"]).Pointer() != reflect.ValueOf(cl).Pointer() {
			t.Fatal("the clone's cycle does not close on the clone")
		}
		mutate(reflect.ValueOf(&cl).Elem())
		if len(m) != 2 || len(m["other"]) != 1 {
			t.Fatal("original changed")
		}
	})
}

// Each goroutine asks For for types no other test uses (so plan building
// itself races), clones one shared original and mutates its clone; the race
// detector reports any memory a clone shares with the original or another clone.
type concA struct {
	Tags  []string
	Items []concB
	M     map[string][]int
}

type concB struct {
	Name string
	P    *concA
	Arr  [2][]int
}

func TestConcurrent(t *testing.T) {
	mk := func() concA {
		return concA{
			Tags:  []string{"a", "b"},
			Items: []concB{{Name: "x", P: &concA{Tags: []string{"in"}}, Arr: [2][]int{{1}, {2}}}},
			M:     map[string][]int{"k": {1, 2, 3}},
		}
	}
	orig, want := mk(), mk()
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			for i := range 50 {
				var cl concA
				if w%2 == 0 {
					c, ok := For[concA]()
					if !ok || c == nil {
						errs <- errors.New("For[concA] failed")
						return
					}
					cl = c(orig)
				} else {
					c, ok := For[*concB]()
					if !ok || c == nil {
						errs <- errors.New("For[*concB] failed")
						return
					}
					cl = orig
					cl.Items = []concB{*c(&orig.Items[0])}
					cl.Tags, cl.M = nil, nil
				}
				mutate(reflect.ValueOf(&cl).Elem())
				if i == 0 && !reflect.DeepEqual(orig, want) {
					errs <- errors.New("original changed")
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(orig, want) {
		t.Fatal("original changed")
	}
}

// For must be cheap when called again for the same type.
func TestForCached(t *testing.T) {
	For[Item]()
	allocs := testing.AllocsPerRun(100, func() { For[Item]() })
	if allocs != 0 {
		t.Fatalf("repeated For allocates %v times", allocs)
	}
}

func TestCloneItemAllocs(t *testing.T) {
	c, _ := For[Item]()
	it := Item{ID: 1, Name: "n", Tags: []string{"a", "b", "c"}}
	if a := testing.AllocsPerRun(100, func() { _ = c(it) }); a != 1 {
		t.Fatalf("cloning Item allocates %v times, want 1", a)
	}
	c2, _ := For[[]Point]()
	pts := []Point{{1, 2}, {3, 4}}
	if a := testing.AllocsPerRun(100, func() { _ = c2(pts) }); a != 1 {
		t.Fatalf("cloning []Point allocates %v times, want 1", a)
	}
}

// TestGCStress clones pointer-holding values while the garbage collector runs
// constantly, then drops the originals and checks the clones after more
// collections. Copies that hid pointers from the collector (missing write
// barriers, untyped memory) would let it free strings and slices the clones
// still use, which shows up here as corrupted contents.
func TestGCStress(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	})
	type V struct {
		Pairs  []Pair
		Strs   [][]string
		Flags  []Flags
		M      map[string][]Pair
		Wide   []Wide
		Nested []*Item
	}
	mk := func(i int) V {
		s := func(j int) string { return fmt.Sprintf("s-%d-%d", i, j) }
		var w Wide
		for j := range w.Arr {
			w.Arr[j] = s(j)
		}
		return V{
			Pairs:  []Pair{{1, s(1)}, {2, s(2)}, {3, s(3)}},
			Strs:   [][]string{{s(4), s(5)}, {s(6)}},
			Flags:  []Flags{{true, ip(i), s(7)}},
			M:      map[string][]Pair{s(8): {{8, s(9)}}},
			Wide:   []Wide{w, w},
			Nested: []*Item{{Name: s(10), Tags: []string{s(11), s(12)}}},
		}
	}
	c, _ := For[V]()
	iters := 300
	if testing.Short() {
		iters = 50
	}
	clones := make([]V, iters)
	for i := range clones {
		clones[i] = c(mk(i))
	}
	runtime.GC()
	close(stop)
	wg.Wait()
	runtime.GC()
	for i, cl := range clones {
		if want := mk(i); !reflect.DeepEqual(cl, want) {
			t.Fatalf("clone %d corrupted after GC", i)
		}
	}
}
