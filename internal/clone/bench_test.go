package clone

import (
	"fmt"
	"testing"
)

var (
	sinkItem  Item
	sinkPts   []Point
	sinkPairs []Pair
	sinkNode  Node
	sinkMap   map[string][]int
)

func benchItemValue() Item {
	return Item{ID: 1, Name: "Ada", Email: "ada@example.com", Tags: []string{"a", "b", "c"}, Score: 1.5, Created: 2, Active: true}
}

func BenchmarkCloneItem(b *testing.B) {
	c, ok := For[Item]()
	if !ok || c == nil {
		b.Fatal("no clone for Item")
	}
	it := benchItemValue()
	b.ReportAllocs()
	for b.Loop() {
		sinkItem = c(it)
	}
}

// The floor for BenchmarkCloneItem: what a hand-written copy costs.
func BenchmarkCloneItemHandWritten(b *testing.B) {
	it := benchItemValue()
	b.ReportAllocs()
	for b.Loop() {
		sinkItem = it
		if it.Tags != nil {
			sinkItem.Tags = append(make([]string, 0, len(it.Tags)), it.Tags...)
		}
	}
}

// Pointer-free elements: one allocation and a memmove.
func BenchmarkClonePoints8(b *testing.B) {
	c, _ := For[[]Point]()
	pts := make([]Point, 8)
	b.ReportAllocs()
	for b.Loop() {
		sinkPts = c(pts)
	}
}

// Struct elements with a string: reflect-allocated typed array, copied by runs.
func BenchmarkClonePairs8(b *testing.B) {
	c, _ := For[[]Pair]()
	ps := make([]Pair, 8)
	for i := range ps {
		ps[i] = Pair{int64(i), fmt.Sprint(i)}
	}
	b.ReportAllocs()
	for b.Loop() {
		sinkPairs = c(ps)
	}
}

// A recursive tree: 40 nodes, with children slices, Next pointers and maps.
func BenchmarkCloneNodeTree(b *testing.B) {
	c, _ := For[Node]()
	n := mkNode(3, 2, "r")
	b.ReportAllocs()
	for b.Loop() {
		sinkNode = c(n)
	}
}

// Maps go through reflect on every call.
func BenchmarkCloneMapOfSlices(b *testing.B) {
	c, _ := For[map[string][]int]()
	m := map[string][]int{"a": {1, 2}, "b": {3}, "c": nil, "d": {4, 5, 6}}
	b.ReportAllocs()
	for b.Loop() {
		sinkMap = c(m)
	}
}

// For after the first call: a sync.Map lookup and a type assertion.
func BenchmarkFor(b *testing.B) {
	For[Item]()
	b.ReportAllocs()
	for b.Loop() {
		For[Item]()
	}
}
