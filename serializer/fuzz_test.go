package serializer_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/stratacache/strata/serializer"
)

// fuzzItem is the small struct the fuzz targets decode into. It has no
// floats, so decoded values compare with reflect.DeepEqual (no NaN).
type fuzzItem struct {
	ID    int64
	Name  string
	Tags  []string
	Count map[string]uint16
	Raw   []byte
	Next  *fuzzItem
	Flag  bool
}

func fuzzSeeds() []fuzzItem {
	return []fuzzItem{
		{},
		{ID: -7, Name: "x", Flag: true},
		{ID: 1 << 40, Tags: []string{"a", ""}, Count: map[string]uint16{"k": 65535}, Raw: []byte{0, 0xc1}},
		{Name: "outer", Next: &fuzzItem{Name: "inner", Next: &fuzzItem{ID: 3}}},
	}
}

// normalize returns a copy of v with empty slices and maps set to nil: gob
// does not distinguish them, so a gob round trip may turn one into the other.
func normalize(v fuzzItem) fuzzItem {
	if len(v.Tags) == 0 {
		v.Tags = nil
	}
	if len(v.Count) == 0 {
		v.Count = nil
	}
	if len(v.Raw) == 0 {
		v.Raw = nil
	}
	if v.Next != nil {
		next := normalize(*v.Next)
		v.Next = &next
	}
	return v
}

// fuzzUnmarshal checks that arbitrary bytes never panic, that failures wrap
// ErrCodec and return the zero value, and that whatever decodes re-encodes
// to the same value.
func fuzzUnmarshal(f *testing.F, c serializer.Codec[fuzzItem], tag byte) {
	for _, s := range fuzzSeeds() {
		b, err := c.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{tag})
	f.Add([]byte{serializer.TagMsgPack, 0xc0})
	f.Add([]byte{serializer.TagJSON, 'n', 'u', 'l', 'l'})
	f.Add([]byte{serializer.TagGob, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := c.Unmarshal(data)
		if err != nil {
			if !errors.Is(err, serializer.ErrCodec) {
				t.Fatalf("error %v does not wrap ErrCodec", err)
			}
			if !reflect.DeepEqual(v, fuzzItem{}) {
				t.Fatalf("failed decode returned %#v", v)
			}
			return
		}
		b, err := c.Marshal(v)
		if err != nil {
			t.Fatalf("decoded %#v but cannot encode it: %v", v, err)
		}
		again, err := c.Unmarshal(b)
		if err != nil {
			t.Fatalf("cannot decode re-encoded %#v: %v", v, err)
		}
		if !reflect.DeepEqual(normalize(again), normalize(v)) {
			t.Fatalf("re-encoding changed %#v to %#v", v, again)
		}
	})
}

func FuzzMsgPackUnmarshal(f *testing.F) {
	fuzzUnmarshal(f, serializer.MsgPack[fuzzItem](), serializer.TagMsgPack)
}

func FuzzGobUnmarshal(f *testing.F) {
	fuzzUnmarshal(f, serializer.Gob[fuzzItem](), serializer.TagGob)
}

func FuzzJSONUnmarshal(f *testing.F) {
	fuzzUnmarshal(f, serializer.JSON[fuzzItem](), serializer.TagJSON)
}
