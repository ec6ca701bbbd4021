package serializer_test

import (
	"bytes"
	"encoding/gob"
	"errors"
	"testing"

	"github.com/stratacache/strata/serializer"
)

// gobUint and gobInt encode integers as gob does.
func gobUint(x uint64) []byte {
	if x < 0x80 {
		return []byte{byte(x)}
	}
	var b []byte
	for ; x > 0; x >>= 8 {
		b = append([]byte{byte(x)}, b...)
	}
	return append([]byte{byte(-len(b))}, b...)
}

func gobInt(i int64) []byte {
	if i < 0 {
		return gobUint(uint64(^i)<<1 | 1)
	}
	return gobUint(uint64(i) << 1)
}

// readGobUint decodes the gob unsigned integer at the start of b and returns
// it with its length.
func readGobUint(b []byte) (uint64, int) {
	if b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	n := -int(int8(b[0]))
	var x uint64
	for _, c := range b[1 : 1+n] {
		x = x<<8 | uint64(c)
	}
	return x, 1 + n
}

// gobTypeDefs returns the type definition messages gob writes for v's type
// and the id of that type.
func gobTypeDefs(t testing.TB, v any) (defs []byte, id []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	for len(b) > 0 {
		n, w := readGobUint(b)
		msg := b[w : w+int(n)]
		if w+int(n) == len(b) { // the value: its id comes first
			_, iw := readGobUint(msg)
			return defs, msg[:iw]
		}
		defs = append(defs, b[:w+int(n)]...)
		b = b[w+int(n):]
	}
	t.Fatal("no value message")
	return nil, nil
}

// gobStream returns a tagged gob value: defs, then body as one message.
func gobStream(defs, body []byte) []byte {
	out := append([]byte{serializer.TagGob}, defs...)
	out = append(out, gobUint(uint64(len(body)))...)
	return append(out, body...)
}

// deepGobNodes returns a cycNode nested n deep through Next: the field
// delta 2 (field 1, Next) n times, then n+1 struct terminators.
func deepGobNodes(t testing.TB, n int) []byte {
	defs, id := gobTypeDefs(t, &cycNode{})
	body := append(append([]byte{}, id...), bytes.Repeat([]byte{2}, n)...)
	return gobStream(defs, append(body, make([]byte, n+1)...))
}

// listBox holds an anyList, so that gob sends the definitions up front.
type listBox struct{ L anyList }

// deepGobLists returns a listBox whose anyList holds an anyList (behind an
// interface) n deep.
func deepGobLists(t testing.TB, n int) []byte {
	defs, boxID := gobTypeDefs(t, &listBox{})
	_, listID := gobTypeDefs(t, &anyList{})
	listID = append([]byte{}, listID...)
	name := "strata.anyList"
	level := append(append(gobUint(uint64(len(name))), name...), listID...)
	level = append(level, 0, 0, 1)                   // ignored length, singleton delta, one element
	body := append(append([]byte{}, boxID...), 1, 1) // field L, one element
	body = append(body, bytes.Repeat(level, n)...)
	return gobStream(defs, append(body, 0, 0)) // a nil interface, the end of listBox
}

// cycName is cycNode without Next: gob skips that field, recursively.
type cycName struct{ Name string }

// TestGobDeepInputDoesNotCrash would kill the test binary with a stack
// overflow without gobCheckDepth: gob decodes nested values recursively,
// and skips nested values of fields V lacks recursively too.
func TestGobDeepInputDoesNotCrash(t *testing.T) {
	nodes, lists := deepGobNodes(t, 1_000_000), deepGobLists(t, 300_000)
	t.Run("decoded", func(t *testing.T) {
		lowStack(t)
		_, err := serializer.Gob[*cycNode]().Unmarshal(nodes)
		wantCodecErr(t, err, "gob: values nested more than 10000 deep")
	})
	t.Run("skipped", func(t *testing.T) {
		lowStack(t)
		_, err := serializer.Gob[cycName]().Unmarshal(nodes)
		wantCodecErr(t, err, "gob: values nested more than 10000 deep")
	})
	t.Run("interfaces", func(t *testing.T) {
		lowStack(t)
		_, err := serializer.Gob[listBox]().Unmarshal(lists)
		wantCodecErr(t, err, "gob: values nested more than 10000 deep")
	})
}

// The streams built by hand are valid: gob decodes them below the limit,
// and the limit is the encode guard's.
func TestGobNestingLimit(t *testing.T) {
	lowStack(t)
	c := serializer.Gob[*cycNode]()
	got, err := c.Unmarshal(deepGobNodes(t, 10000))
	if err != nil {
		t.Fatalf("10000 levels, the limit, failed: %v", err)
	}
	n := 0
	for p := got; p != nil; p = p.Next {
		n++
	}
	if n != 10001 {
		t.Errorf("decoded %d nodes, want 10001", n)
	}
	_, err = c.Unmarshal(deepGobNodes(t, 10001))
	wantCodecErr(t, err, "nested more than 10000 deep")
	if _, err := serializer.Gob[cycName]().Unmarshal(deepGobNodes(t, 10000)); err != nil {
		t.Errorf("skipping 10000 levels failed: %v", err)
	}
	box, err := serializer.Gob[listBox]().Unmarshal(deepGobLists(t, 9998))
	if err != nil {
		t.Fatalf("9998 nested lists failed: %v", err)
	}
	n = 0
	for l := box.L; len(l) == 1 && l[0] != nil; l = l[0].(anyList) {
		n++
	}
	if n != 9998 {
		t.Errorf("decoded %d nested lists, want 9998", n)
	}
	_, err = serializer.Gob[listBox]().Unmarshal(deepGobLists(t, 9999))
	wantCodecErr(t, err, "nested more than 10000 deep")

	// The encoder draws the line at the same place.
	lists := func(n int) listBox {
		b := listBox{L: anyList{}}
		for range n {
			b.L = anyList{b.L}
		}
		return b
	}
	b, err := serializer.Gob[listBox]().Marshal(lists(9999))
	if err != nil {
		t.Fatalf("encoding 9999 nested lists failed: %v", err)
	}
	if _, err := serializer.Gob[listBox]().Unmarshal(b); err != nil {
		t.Fatalf("decoding 9999 nested lists failed: %v", err)
	}
	_, err = serializer.Gob[listBox]().Marshal(lists(10000))
	wantCodecErr(t, err, "nested deeper than 10000 levels")
}

// FuzzGobUnmarshalNested decodes gob streams made of type definitions, then
// one message holding head, unit n times, and tail: nesting a fuzzer can
// grow. Whatever the bytes, decoding must not crash (a stack overflow kills
// the fuzzer), must fail with ErrCodec or succeed, and a decoded chain of
// nodes must be within the limit.
func FuzzGobUnmarshalNested(f *testing.F) {
	nodeDefs, nodeID := gobTypeDefs(f, &cycNode{})
	f.Add(nodeDefs, nodeID, []byte{2}, []byte{}, uint32(40000))
	f.Add(nodeDefs, nodeID, []byte{2}, []byte{}, uint32(10000))
	f.Add(nodeDefs, nodeID, []byte{2, 2, 1, 'x'}, []byte{0}, uint32(12000))
	listDefs, boxID := gobTypeDefs(f, &listBox{})
	_, listID := gobTypeDefs(f, &anyList{})
	name := "strata.anyList"
	level := append(append(gobUint(uint64(len(name))), name...), listID...)
	f.Add(listDefs, append(append([]byte{}, boxID...), 1, 1), append(level, 0, 0, 1), []byte{0, 0}, uint32(20000))
	f.Fuzz(func(t *testing.T, defs, head, unit, tail []byte, n uint32) {
		n %= 1 << 20
		if len(unit)*int(n) > 4<<20 {
			return
		}
		body := append(append([]byte{}, head...), bytes.Repeat(unit, int(n))...)
		data := gobStream(defs, append(body, tail...))
		lowStack(t)
		check := func(err error) {
			if err != nil && !errors.Is(err, serializer.ErrCodec) {
				t.Fatalf("error %v does not wrap ErrCodec", err)
			}
		}
		v, err := serializer.Gob[*cycNode]().Unmarshal(data)
		check(err)
		depth := 0
		for ; v != nil; v = v.Next {
			depth++
		}
		if depth > 10001 {
			t.Fatalf("decoded %d nested nodes", depth)
		}
		_, err = serializer.Gob[cycName]().Unmarshal(data)
		check(err)
		_, err = serializer.Gob[listBox]().Unmarshal(data)
		check(err)
		_, err = serializer.Gob[any]().Unmarshal(data)
		check(err)
	})
}
