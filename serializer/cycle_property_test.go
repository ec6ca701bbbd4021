package serializer_test

import (
	"encoding/gob"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// gnode is a node of the random graphs: it reaches other nodes through a
// pointer, a map, a slice and an interface.
type gnode struct {
	ID   int
	Ptr  *gnode
	Map  map[string]*gnode
	List []*gnode
	Any  any // nil, *gnode, anyList of *gnode or anyMap of *gnode
}

func init() { gob.RegisterName("strata.gnode", &gnode{}) }

// Ways a node reaches another, and the containers and references each adds
// on the way (the node itself is one more container).
const (
	viaPtr = iota
	viaMap
	viaList
	viaAnyPtr
	viaAnyList
	viaAnyMap
	viaKinds
)

var viaLevels = [viaKinds]int{viaPtr: 0, viaMap: 1, viaList: 1, viaAnyPtr: 0, viaAnyList: 1, viaAnyMap: 1}

// link makes from reach to the way kind says (or another way when the
// pointer or the interface is taken).
func link(from, to *gnode, kind int) {
	switch {
	case kind == viaPtr && from.Ptr == nil:
		from.Ptr = to
	case kind == viaList:
		from.List = append(from.List, to)
	case kind >= viaAnyPtr && from.Any == nil:
		switch kind {
		case viaAnyPtr:
			from.Any = to
		case viaAnyList:
			from.Any = anyList{to}
		default:
			from.Any = anyMap{"k": to}
		}
	case kind == viaAnyList && isAnyList(from.Any):
		from.Any = append(from.Any.(anyList), to)
	default:
		if from.Map == nil {
			from.Map = map[string]*gnode{}
		}
		from.Map[fmt.Sprint("k", len(from.Map))] = to
	}
}

func isAnyList(x any) bool { _, ok := x.(anyList); return ok }

// randomGraph returns the root of n random nodes: a random tree, a few
// extra edges to later nodes (sharing, not cycles), and, if cyclic, an edge
// from a node back to itself or one of its ancestors.
func randomGraph(rng *rand.Rand, cyclic bool) *gnode {
	n := 1 + rng.IntN(24)
	nodes, parent := make([]*gnode, n), make([]int, n)
	for i := range nodes {
		nodes[i] = &gnode{ID: i + 1}
		if i > 0 {
			parent[i] = rng.IntN(i)
			link(nodes[parent[i]], nodes[i], rng.IntN(viaKinds))
		}
	}
	for range rng.IntN(3) {
		if a := rng.IntN(n); a < n-1 {
			link(nodes[a], nodes[a+1+rng.IntN(n-1-a)], rng.IntN(viaKinds))
		}
	}
	if cyclic {
		j := rng.IntN(n)
		i := j
		for i > 0 && rng.IntN(2) == 0 {
			i = parent[i]
		}
		link(nodes[j], nodes[i], rng.IntN(viaKinds))
	}
	return nodes[0]
}

// randomChain returns a chain of nodes, each reaching the next a random way,
// and how deep it nests.
func randomChain(rng *rand.Rand, depth int) (*gnode, int) {
	root := &gnode{ID: 1}
	levels := 1
	for n := root; levels < depth; {
		next, kind := &gnode{ID: n.ID + 1}, rng.IntN(viaKinds)
		link(n, next, kind) // n links nothing else, so link uses kind

		levels += 1 + viaLevels[kind]
		n = next
	}
	return root, levels
}

// canon returns v as generic JSON: the decoders give interfaces different
// Go types, but the same JSON.
func canon(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("json.Unmarshal: %v", err)
	}
	return out
}

// checkGraph checks every codec on root: a cyclic graph is refused as
// cyclic; an acyclic one encodes and decodes to the same data.
func checkGraph(t *testing.T, root *gnode, cyclic bool, what string) {
	t.Helper()
	var want any
	if !cyclic {
		want = canon(t, root)
	}
	for _, c := range codecsFor[*gnode]() {
		b, err := c.Marshal(root)
		if cyclic {
			if err == nil {
				t.Fatalf("%s: %s: a cyclic graph encoded", what, c.Name())
			}
			wantCodecErr(t, err, "is cyclic")
			continue
		}
		if err != nil {
			t.Fatalf("%s: %s: Marshal: %v", what, c.Name(), err)
		}
		got, err := c.Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: %s: Unmarshal: %v", what, c.Name(), err)
		}
		if !reflect.DeepEqual(canon(t, got), want) {
			t.Fatalf("%s: %s: the round trip changed the graph", what, c.Name())
		}
	}
}

func TestRandomGraphs(t *testing.T) {
	lowStack(t)
	iterations := 600
	if testing.Short() {
		iterations = 100
	}
	cycles := 0
	for seed := range uint64(iterations) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		cyclic := rng.IntN(2) == 0
		if cyclic {
			cycles++
		}
		checkGraph(t, randomGraph(rng, cyclic), cyclic, fmt.Sprintf("seed %d, cyclic %v", seed, cyclic))
	}
	if cycles < iterations/4 || cycles > iterations*3/4 {
		t.Fatalf("%d of %d graphs were cyclic: the generator is skewed", cycles, iterations)
	}
}

// Chains around the limit encode (and decode) up to it and fail beyond it.
func TestRandomChainsAtTheLimit(t *testing.T) {
	lowStack(t)
	within := 0
	for seed := range uint64(4) { // gob encodes nested interfaces in quadratic time: keep it short
		rng := rand.New(rand.NewPCG(seed, 0xdee9))
		root, levels := randomChain(rng, 9990+rng.IntN(20))
		what := fmt.Sprintf("seed %d, %d levels", seed, levels)
		if levels <= 10000 {
			within++
			checkGraph(t, root, false, what)
			continue
		}
		for _, c := range codecsFor[*gnode]() {
			_, err := c.Marshal(root)
			if err == nil {
				t.Fatalf("%s: %s: encoded", what, c.Name())
			}
			wantCodecErr(t, err, "nested deeper than 10000 levels")
		}
	}
	if within == 0 || within == 4 {
		t.Fatalf("%d of 4 chains were within the limit: test both sides", within)
	}
}

// FuzzMarshalGraph builds a graph from the fuzzer's bytes (a node count,
// then edges as from, to, kind triples) and checks it against an
// independent oracle: a cycle reachable from the root must be refused as
// cyclic; anything else must round-trip.
func FuzzMarshalGraph(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0})                   // a self loop
	f.Add([]byte{3, 0, 1, 2, 1, 2, 5, 2, 0, 3}) // a cycle through an interface
	f.Add([]byte{4, 0, 1, 0, 0, 2, 1, 1, 3, 4, 2, 3, 0})
	f.Add([]byte{5, 0, 1, 1, 1, 2, 4, 3, 4, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > 64 {
			return
		}
		n := 1 + int(data[0])%12
		nodes := make([]*gnode, n)
		for i := range nodes {
			nodes[i] = &gnode{ID: i + 1}
		}
		edges := make([][]int, n)
		for e := data[1:]; len(e) >= 3; e = e[3:] {
			from, to := int(e[0])%n, int(e[1])%n
			link(nodes[from], nodes[to], int(e[2])%viaKinds)
			edges[from] = append(edges[from], to)
		}
		cyclic, size := reachesCycle(edges)
		if size > 2000 { // sharing: encoders copy every path, so the output grows exponentially
			return
		}
		lowStack(t)
		checkGraph(t, nodes[0], cyclic, fmt.Sprintf("edges %v", edges))
	})
}

// reachesCycle reports whether a cycle is reachable from node 0, and
// otherwise how many node copies encoding the graph as a tree takes.
func reachesCycle(edges [][]int) (bool, int) {
	const onPath = -1
	size := make([]int, len(edges)) // 0: not visited
	var visit func(i int) bool
	visit = func(i int) bool {
		switch size[i] {
		case onPath:
			return true
		case 0:
			size[i] = onPath
			s := 1
			for _, j := range edges[i] {
				if visit(j) {
					return true
				}
				s = min(s+size[j], 1<<20)
			}
			size[i] = s
		}
		return false
	}
	if visit(0) {
		return true, 0
	}
	return false, size[0]
}
