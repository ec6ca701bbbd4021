package serializer_test

import (
	"encoding/gob"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stratacache/strata/serializer"
)

// Before the encode guard, every Marshal below recursed until the runtime
// killed the whole test binary with "fatal error: stack overflow": a crash,
// not a failed test, so each case is its own subtest to be run alone.

type cycNode struct {
	Name string
	Next *cycNode
}

type cycOwner struct {
	Name     string
	Children map[string]*cycOwner
}

// anyMap and anyList stand in for map[string]any and []any, which gob needs
// registered before it encodes them behind an interface; the unnamed types
// must stay unregistered (TestUnencodableValuesFail relies on that).
type (
	anyMap  map[string]any
	anyList []any
)

func init() {
	gob.RegisterName("strata.anyMap", anyMap{})
	gob.RegisterName("strata.anyList", anyList{})
	gob.RegisterName("strata.cycNode", &cycNode{})
}

// lowStack lowers the goroutine stack limit from 1 GB to 128 MB for the
// test, so that a missing guard crashes quickly instead of first filling a
// gigabyte, and a guard that lets encoders recurse too far is caught too.
func lowStack(t *testing.T) {
	old := debug.SetMaxStack(128 << 20)
	t.Cleanup(func() { debug.SetMaxStack(old) })
}

// wantCyclic checks that every tagged codec refuses v as cyclic.
func wantCyclic[V any](t *testing.T, v V) {
	t.Helper()
	for _, c := range codecsFor[V]() {
		t.Run(c.Name(), func(t *testing.T) {
			lowStack(t)
			b, err := c.Marshal(v)
			if err == nil {
				t.Fatalf("Marshal of a cyclic value returned %d bytes and no error", len(b))
			}
			wantCodecErr(t, err, c.Name()+" cannot encode", "is cyclic")
		})
	}
}

func TestMarshalRejectsCycles(t *testing.T) {
	t.Run("pointerSelfLoop", func(t *testing.T) {
		n := &cycNode{Name: "a"}
		n.Next = n
		wantCyclic(t, n)
	})
	t.Run("twoNodePointerCycle", func(t *testing.T) {
		a, b := &cycNode{Name: "a"}, &cycNode{Name: "b"}
		a.Next, b.Next = b, a
		wantCyclic(t, a)
		wantCyclic(t, *b) // the copy of b in V is not part of the cycle, but holds it
	})
	t.Run("mapThroughInterfaceToItself", func(t *testing.T) {
		m := anyMap{"k": "v"}
		m["self"] = m
		wantCyclic(t, m)
		wantCyclic(t, any(m))
	})
	t.Run("sliceOfAnyContainingItself", func(t *testing.T) {
		s := anyList{"x", nil}
		s[1] = s
		wantCyclic(t, s)
		wantCyclic(t, anyMap{"list": s})
	})
	t.Run("structMapFieldPointingBack", func(t *testing.T) {
		o := &cycOwner{Name: "root", Children: map[string]*cycOwner{}}
		o.Children["leaf"] = &cycOwner{Name: "leaf"}
		o.Children["self"] = o
		wantCyclic(t, *o)
		wantCyclic(t, o)
	})
	t.Run("interfaceThroughPointer", func(t *testing.T) {
		n := &cycNode{Name: "n"}
		l := anyList{n}
		n.Next = &cycNode{Name: "m", Next: n}
		wantCyclic(t, l)
	})
}

// Sharing is not a cycle: the same node reachable twice is encoded twice.
func TestMarshalAcceptsSharedValues(t *testing.T) {
	shared := &cycNode{Name: "shared"}
	l := anyList{shared, shared, anyMap{"again": shared}}
	for _, c := range codecsFor[anyList]() {
		if _, err := c.Marshal(l); err != nil {
			t.Errorf("%s: %v", c.Name(), err)
		}
	}
	o := cycOwner{Children: map[string]*cycOwner{}}
	leaf := &cycOwner{Name: "leaf"}
	o.Children["a"], o.Children["b"] = leaf, leaf
	for _, c := range codecsFor[cycOwner]() {
		roundTrip(t, c, o, nil)
	}
}

// nodeChain returns n nodes linked through Next.
func nodeChain(n int) *cycNode {
	var head *cycNode
	for i := n; i > 0; i-- {
		head = &cycNode{Name: "n", Next: head}
	}
	return head
}

// listChain returns n anyLists nested through their only element.
func listChain(n int) anyList {
	var l anyList
	for range n {
		l = anyList{l}
	}
	return l
}

// A chain of nodes is as deep as it is long: each node is a struct (a map
// in msgpack, an object in JSON). The limit is the decoders' limit, so
// whatever encodes also decodes.
func TestMarshalNestingLimit(t *testing.T) {
	lowStack(t)
	at, over := nodeChain(10000), nodeChain(10001)
	for _, c := range codecsFor[*cycNode]() {
		b, err := c.Marshal(at)
		if err != nil {
			t.Fatalf("%s: 10000 levels, the limit, failed: %v", c.Name(), err)
		}
		got, err := c.Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: decoding 10000 levels failed: %v", c.Name(), err)
		}
		n := 0
		for p := got; p != nil; p = p.Next {
			n++
		}
		if n != 10000 {
			t.Errorf("%s: decoded %d nodes, want 10000", c.Name(), n)
		}
		_, err = c.Marshal(over)
		wantCodecErr(t, err, c.Name()+" cannot encode", "nested deeper than 10000 levels")
	}
	for _, c := range codecsFor[anyList]() {
		if _, err := c.Marshal(listChain(10000)); err != nil {
			t.Errorf("%s: 10000 nested lists failed: %v", c.Name(), err)
		}
		_, err := c.Marshal(listChain(10001))
		wantCodecErr(t, err, c.Name()+" cannot encode", "nested deeper than 10000 levels")
	}
}

// Values far deeper than the limit are refused, not encoded until the stack
// runs out.
func TestMarshalVeryDeepValueDoesNotCrash(t *testing.T) {
	for _, c := range codecsFor[*cycNode]() {
		t.Run(c.Name(), func(t *testing.T) {
			lowStack(t)
			_, err := c.Marshal(nodeChain(1_000_000))
			wantCodecErr(t, err, "nested deeper than 10000 levels")
		})
	}
}

// A chain of interfaces and pointers holds no container at all.
func TestMarshalRejectsReferenceChains(t *testing.T) {
	lowStack(t)
	var x any
	x = &x
	for _, c := range []serializer.Codec[any]{serializer.MsgPack[any](), serializer.JSON[any]()} {
		_, err := c.Marshal(x)
		wantCodecErr(t, err, c.Name()+" cannot encode", "is cyclic")
	}
	var chain any
	for range 40000 {
		p := new(any)
		*p = chain
		chain = p
	}
	for _, c := range []serializer.Codec[any]{serializer.MsgPack[any](), serializer.JSON[any]()} {
		_, err := c.Marshal(chain)
		wantCodecErr(t, err, c.Name()+" cannot encode", "more than 30000 pointers and interfaces")
	}
}

// cycHeavy carries a lot of data around its cycle.
type cycHeavy struct {
	Data anyList
	Next *cycHeavy
}

// A walk that only counted levels would go round the cycle until the limit,
// walking the data again on every turn: ten thousand turns, many seconds.
// Recording references from a small depth on finds the cycle after a few
// dozen turns. The bound is relative to encoding the data once, measured
// alongside, so that a busy machine or -race slows both alike.
func TestMarshalRejectsCyclesPromptly(t *testing.T) {
	h := &cycHeavy{Data: make(anyList, 50_000)}
	for i := range h.Data {
		h.Data[i] = "x"
	}
	h.Next = h
	for _, c := range codecsFor[*cycHeavy]() {
		start := time.Now()
		if _, err := c.Marshal(&cycHeavy{Data: h.Data}); err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		once := time.Since(start)
		start = time.Now()
		_, err := c.Marshal(h)
		d := time.Since(start)
		wantCodecErr(t, err, "is cyclic")
		if d > 2*time.Second && d > 200*once {
			t.Errorf("%s: refusing the cyclic value took %v, encoding its data once %v", c.Name(), d, once)
		}
	}
}
