package serializer_test

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/stratacache/strata/serializer"
)

// roundTrip marshals v with c, checks the tag, unmarshals, and compares.
func roundTrip[V any](t *testing.T, c serializer.Codec[V], v V, equal func(a, b V) bool) {
	t.Helper()
	b, err := c.Marshal(v)
	if err != nil {
		t.Fatalf("%s: Marshal(%#v): %v", c.Name(), v, err)
	}
	got, err := c.Unmarshal(b)
	if err != nil {
		t.Fatalf("%s: Unmarshal(Marshal(%#v)): %v", c.Name(), v, err)
	}
	if equal == nil {
		equal = func(a, b V) bool { return reflect.DeepEqual(a, b) }
	}
	if !equal(got, v) {
		t.Fatalf("%s: round trip of %#v gave %#v", c.Name(), v, got)
	}
}

func TestRoundTrip(t *testing.T) {
	bytesEqual := func(a, b []byte) bool { return bytes.Equal(a, b) } // gob does not keep empty vs nil
	for _, tc := range encodingCodecs() {
		t.Run(tc.name, func(t *testing.T) {
			roundTrip(t, tc.user, sampleUser(), nil)
			roundTrip(t, tc.user, User{}, nil)
			u := sampleUser()
			roundTrip(t, serializer.Codec[*User](codecByName[*User](t, tc.name)), &u, nil)
			roundTrip(t, codecByName[string](t, tc.name), "héllo, wörld", nil)
			roundTrip(t, codecByName[string](t, tc.name), "", nil)
			roundTrip(t, codecByName[[]byte](t, tc.name), []byte{0, 1, 2, 0xc1, 0xff}, bytesEqual)
			roundTrip(t, codecByName[[]byte](t, tc.name), []byte{}, bytesEqual)
			roundTrip(t, codecByName[int](t, tc.name), 0, nil)
			roundTrip(t, codecByName[int64](t, tc.name), -1<<62, nil)
			roundTrip(t, codecByName[float64](t, tc.name), 0.1, nil)
			roundTrip(t, codecByName[bool](t, tc.name), true, nil)
			roundTrip(t, codecByName[map[string]int](t, tc.name), map[string]int{"a": 1, "b": -2}, nil)
			roundTrip(t, codecByName[map[string]int](t, tc.name), map[string]int{},
				func(a, b map[string]int) bool { return len(a) == 0 && len(b) == 0 })
			roundTrip(t, codecByName[[]string](t, tc.name), []string{"x", "", "z"}, nil)
			nested := map[string][]map[string]Address{
				"one": {{"home": {Street: "A", Zip: 1}}, {"work": {Street: "B", Zip: 2}}},
				"two": {{"x": {Street: "C"}}},
			}
			roundTrip(t, codecByName[map[string][]map[string]Address](t, tc.name), nested, nil)
			when := time.Date(2024, 2, 29, 12, 30, 45, 123456789, time.UTC)
			roundTrip(t, codecByName[time.Time](t, tc.name), when, func(a, b time.Time) bool { return a.Equal(b) })
		})
	}
}

// codecByName is ByName that fails the test on error.
func codecByName[V any](t *testing.T, name string) serializer.Codec[V] {
	t.Helper()
	c, err := serializer.ByName[V](name)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != name {
		t.Fatalf("ByName(%q).Name() = %q", name, c.Name())
	}
	return c
}

func TestRoundTripInterfaceValues(t *testing.T) {
	// V = any works with msgpack and json; numbers come back as those libraries decode them.
	for _, c := range []serializer.Codec[any]{serializer.MsgPack[any](), serializer.JSON[any]()} {
		b, err := c.Marshal(map[string]any{"name": "x", "list": []any{"a", true}})
		if err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		got, err := c.Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		want := map[string]any{"name": "x", "list": []any{"a", true}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: got %#v, want %#v", c.Name(), got, want)
		}
	}
	// gob needs concrete types behind interfaces registered; a nil interface round-trips.
	roundTrip(t, serializer.Gob[any](), any(nil), nil)
	roundTrip(t, serializer.Gob[any](), any("s"), nil)
}

func TestTagBytesArePinned(t *testing.T) {
	// These values are part of the storage format: changing one breaks stored data.
	if serializer.TagMsgPack != 0xC1 || serializer.TagGob != 0xF5 || serializer.TagJSON != 0xF6 {
		t.Fatalf("tag bytes changed: msgpack %#x gob %#x json %#x",
			serializer.TagMsgPack, serializer.TagGob, serializer.TagJSON)
	}
	for _, tc := range taggedCodecs() {
		b, err := tc.user.Marshal(sampleUser())
		if err != nil {
			t.Fatal(err)
		}
		if b[0] != tc.tag {
			t.Errorf("%s wrote tag %#x, want %#x", tc.name, b[0], tc.tag)
		}
	}
}

// TestJSONIsPlainAndReadsTheOldTaggedFormat: JSON writes no tag, so other
// languages read it, and reads plain JSON other programs wrote as well as the
// values earlier versions wrote with TagJSON in front.
func TestJSONIsPlainAndReadsTheOldTaggedFormat(t *testing.T) {
	c := serializer.JSON[User]()
	b, err := c.Marshal(sampleUser())
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != '{' {
		t.Fatalf("json wrote % x..., want a plain JSON object", b[:min(len(b), 4)])
	}
	var generic map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatalf("json output is not plain JSON: %v", err)
	}
	for name, in := range map[string][]byte{
		"plain":      b,
		"old tagged": append([]byte{serializer.TagJSON}, b...),
	} {
		got, err := c.Unmarshal(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, sampleUser()) {
			t.Errorf("%s: got %#v, want %#v", name, got, sampleUser())
		}
	}
	// What another program writes: other spacing, fields in another order.
	got, err := c.Unmarshal([]byte(" {\n \"Name\": \"py\", \"ID\": 7, \"Tags\": [\"x\"] }\n"))
	if err != nil || got.ID != 7 || got.Name != "py" || !reflect.DeepEqual(got.Tags, []string{"x"}) {
		t.Fatalf("reading JSON another program wrote: got %#v, %v", got, err)
	}
}

// TestPayloadIsPlainLibraryOutput checks the interop promise of the package
// doc: drop the tag, and the rest is what the format's own library reads.
func TestPayloadIsPlainLibraryOutput(t *testing.T) {
	u := sampleUser()
	u.Attrs = map[string]string{"only": "key"} // map order is random: keep output deterministic
	mp, err := serializer.MsgPack[User]().Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	want, err := msgpack.Marshal(&u)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mp[1:], want) {
		t.Errorf("msgpack payload differs from msgpack.Marshal:\n got % x\nwant % x", mp[1:], want)
	}

	js, err := serializer.JSON[User]().Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	want, err = json.Marshal(&u)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(js, want) {
		t.Errorf("json output differs from json.Marshal:\n got %s\nwant %s", js, want)
	}

	gb, err := serializer.Gob[User]().Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var got User
	if err := gob.NewDecoder(bytes.NewReader(gb[1:])).Decode(&got); err != nil {
		t.Fatalf("gob payload is not one gob stream: %v", err)
	}
	if !reflect.DeepEqual(got, u) {
		t.Errorf("gob payload decoded to %#v, want %#v", got, u)
	}
}

// TestMarshalResultIsNotShared guards the pooled buffers: a result must not
// change when the codec is used again.
func TestMarshalResultIsNotShared(t *testing.T) {
	for _, tc := range encodingCodecs() {
		first, err := tc.user.Marshal(sampleUser())
		if err != nil {
			t.Fatal(err)
		}
		snapshot := bytes.Clone(first)
		for i := range 10 {
			other := User{ID: int64(i), Name: string(rune('a' + i))}
			if _, err := tc.user.Marshal(other); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(first, snapshot) {
			t.Errorf("%s: an earlier Marshal result changed after later calls", tc.name)
		}
		if cap(first) != len(first) {
			t.Errorf("%s: result has cap %d for len %d: pooled memory leaked out", tc.name, cap(first), len(first))
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	for _, tc := range encodingCodecs() {
		done := make(chan error)
		for g := range 8 {
			go func() {
				for i := range 200 {
					u := User{ID: int64(g*1000 + i), Name: "n", Tags: []string{string(rune('a' + g))}}
					b, err := tc.user.Marshal(u)
					if err == nil {
						var got User
						got, err = tc.user.Unmarshal(b)
						if err == nil && !reflect.DeepEqual(got, u) {
							t.Errorf("%s: got %#v, want %#v", tc.name, got, u)
						}
					}
					if err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
		}
		for range 8 {
			if err := <-done; err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
	}
}
