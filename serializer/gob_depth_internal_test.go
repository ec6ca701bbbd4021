package serializer

import (
	"bytes"
	"encoding/gob"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The walk of gob streams must follow everything gob's encoder writes to its
// end: a walk that stops early on a valid stream would let the rest of it
// through unchecked. These tests look at the walk itself, which Unmarshal
// cannot show (it leaves streams the walk cannot follow to gob).

type gobPoint struct {
	X, Y int
	Tag  string
}

type gobKey struct {
	A int8
	B string
}

type gobEmbedded struct{ Inner []float32 }

type gobRich struct {
	gobEmbedded
	B      bool
	I      int64
	U      uint16
	F      float64
	C      complex128
	S      string
	Bytes  []byte
	Arr    [4]byte
	Ints   [3]int
	Ptr    **gobPoint
	Keyed  map[gobKey][]*gobPoint
	When   time.Time // BinaryMarshaler
	Big    *big.Int  // GobEncoder
	Any    any
	Anys   []any
	Nested map[string]map[string][]gobPoint
	Empty  struct{}
}

type (
	gobList []any
	gobMap  map[string]any
)

func init() {
	gob.RegisterName("strata.test.gobPoint", gobPoint{})
	gob.RegisterName("strata.test.gobList", gobList{})
	gob.RegisterName("strata.test.gobMap", gobMap{})
	gob.RegisterName("strata.test.gobRich", &gobRich{})
}

// randomAny returns a random tree of interface values, whose concrete types
// gob defines inline the first time it meets them, at any depth.
func randomAny(rng *rand.Rand, depth int) any {
	switch k := rng.IntN(8); {
	case depth == 0 || k == 0:
		return strings.Repeat("s", rng.IntN(300))
	case k == 1:
		return gobPoint{X: rng.IntN(1000), Tag: "p"}
	case k == 2:
		return rng.Float64()
	case k == 3:
		return &gobRich{I: int64(rng.IntN(9)), Any: randomAny(rng, depth-1)}
	case k < 6:
		l := make(gobList, rng.IntN(5))
		for i := range l {
			l[i] = randomAny(rng, depth-1)
		}
		return l
	default:
		m := gobMap{}
		for i := range rng.IntN(5) {
			m[strings.Repeat("k", i+1)] = randomAny(rng, depth-1)
		}
		return m
	}
}

func richValue(rng *rand.Rand) *gobRich {
	p := &gobPoint{X: 1, Y: -2, Tag: "pp"}
	return &gobRich{
		gobEmbedded: gobEmbedded{Inner: []float32{1.5, -2}},
		B:           true, I: -1 << 40, U: 65535, F: 3.25, C: complex(1, -1), S: "héllo",
		Bytes: bytes.Repeat([]byte{0x91, 0}, 50), Arr: [4]byte{1, 2, 3, 4}, Ints: [3]int{-1, 0, 1 << 50},
		Ptr:    &p,
		Keyed:  map[gobKey][]*gobPoint{{A: -3, B: "k"}: {p, p}},
		When:   time.Date(2024, 2, 29, 12, 0, 0, 5, time.UTC),
		Big:    new(big.Int).Lsh(big.NewInt(3), 200),
		Any:    randomAny(rng, 6),
		Anys:   []any{randomAny(rng, 5), gobList{gobList{gobPoint{}}}, nil, 7},
		Nested: map[string]map[string][]gobPoint{"a": {"b": {{X: 1}}}},
	}
}

func TestGobWalkFollowsGobStreams(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 7))
		values := []any{richValue(rng), randomAny(rng, 8), gobList{randomAny(rng, 4)}}
		for i, v := range values {
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(&v); err != nil {
				t.Fatalf("seed %d value %d: %v", seed, i, err)
			}
			w := gobWalk{b: buf.Bytes(), types: map[int64]*gobWireType{}}
			w.top(w.typeSequence(false), 0, 0)
			if w.stop != gobOK || w.i != len(w.b) {
				t.Fatalf("seed %d value %d: the walk stopped (%d) at %d of %d bytes", seed, i, w.stop, w.i, len(w.b))
			}
			var back any
			if err := gob.NewDecoder(&buf).Decode(&back); err != nil {
				t.Fatalf("seed %d value %d: gob cannot decode its own stream: %v", seed, i, err)
			}
		}
	}
}

// Streams the walk rejects outright: gob's own type ids, and a type
// definition of two kinds at once.
func TestGobWalkRejectsWhatGobNeverWrites(t *testing.T) {
	for _, s := range []struct {
		name string
		b    []byte
	}{
		// A value of type 16 (gob's wireType), which gob decodes into a
		// struct with matching fields.
		{"internal id", []byte{3, 0x20, 0, 0}},
		// Type 64 defined as a slice and a struct at once.
		{"two kinds", []byte{10, 0x7f, 2, 1, 0, 1, 4, 0, 1, 0, 0}},
	} {
		w := gobWalk{b: s.b, types: map[int64]*gobWireType{}}
		w.top(w.typeSequence(false), 0, 0)
		if w.stop != gobUnsupported {
			t.Errorf("%s: stop %d, want gobUnsupported", s.name, w.stop)
		}
	}
}
