package serializer_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/stratacache/strata/serializer"
)

// nestedMsgPack encodes depth nested arrays of three items: a sibling of a
// type chosen by level, the next level, and another sibling. The siblings
// hold 0x91 bytes (a fixarray header) inside strings and binaries, so a walk
// that does not skip payloads correctly miscounts.
func nestedMsgPack(t testing.TB, depth int) []byte {
	var buf bytes.Buffer
	buf.WriteByte(serializer.TagMsgPack)
	enc := msgpack.NewEncoder(&buf)
	map16 := map[string]any{} // 16 pairs: a map16, not a fixmap
	for i := range 16 {
		map16[string(rune('a'+i))] = int64(-1 << (i * 3))
	}
	sibling := func(level int) {
		var err error
		switch level % 6 {
		case 0:
			err = enc.EncodeString(strings.Repeat("\x91", level%300))
		case 1:
			n := level % 40
			if level == 1 {
				n = 70000 // bin32
			}
			err = enc.EncodeBytes(bytes.Repeat([]byte{0x91}, n))
		case 2:
			err = enc.EncodeFloat64(1.5)
		case 3:
			if level >= depth-1 { // would nest deeper than the arrays
				err = enc.EncodeNil()
				break
			}
			err = enc.Encode(map16) // one level deeper than the array
		case 4:
			err = enc.EncodeArrayLen(0) // an empty container is no level
		case 5:
			err = enc.EncodeUint(uint64(level) << 20)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for level := range depth {
		if err := enc.EncodeArrayLen(3); err != nil {
			t.Fatal(err)
		}
		sibling(level)
	}
	if err := enc.EncodeNil(); err != nil {
		t.Fatal(err)
	}
	for level := depth - 1; level >= 0; level-- {
		sibling(level + 1)
	}
	return buf.Bytes()
}

func TestMsgPackNestingLimit(t *testing.T) {
	c := serializer.MsgPack[any]()
	if _, err := c.Unmarshal(nestedMsgPack(t, 10000)); err != nil {
		t.Fatalf("10000 levels, the limit, failed: %v", err)
	}
	_, err := c.Unmarshal(nestedMsgPack(t, 10001))
	wantCodecErr(t, err, "nested more than 10000 deep")
}

func TestMsgPackWideValueIsNotDeep(t *testing.T) {
	wide := make([][]string, 20000)
	for i := range wide {
		wide[i] = []string{"\x91\x91", ""}
	}
	roundTrip(t, serializer.MsgPack[[][]string](), wide, nil)
}

// TestMsgPackDeepInputDoesNotCrash would kill the test binary with a fatal
// stack overflow without the nesting limit.
func TestMsgPackDeepInputDoesNotCrash(t *testing.T) {
	type node struct{ Next *node }
	arrays := append([]byte{serializer.TagMsgPack}, bytes.Repeat([]byte{0x91}, 5_000_000)...)
	maps := append([]byte{serializer.TagMsgPack}, bytes.Repeat([]byte("\x81\xa4Next"), 2_000_000)...)
	start := time.Now()
	_, err := serializer.MsgPack[any]().Unmarshal(append(arrays, 0xc0))
	wantCodecErr(t, err, "nested")
	_, err = serializer.MsgPack[node]().Unmarshal(append(maps, 0xc0))
	wantCodecErr(t, err, "nested")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("rejecting deep input took %v", d)
	}
}
