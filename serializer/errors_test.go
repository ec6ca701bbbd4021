package serializer_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/stratacache/strata/serializer"
)

// wantCodecErr fails unless err wraps ErrCodec and mentions every fragment.
func wantCodecErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if !errors.Is(err, serializer.ErrCodec) {
		t.Fatalf("error %v does not wrap ErrCodec", err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}

func TestCrossCodecReadsFail(t *testing.T) {
	for _, w := range taggedCodecs() {
		b, err := w.user.Marshal(sampleUser())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range taggedCodecs() {
			if r.name == w.name {
				continue
			}
			got, err := r.user.Unmarshal(b)
			wantCodecErr(t, err, "written by "+w.name+" but read with "+r.name, "same codec")
			if !reflect.DeepEqual(got, User{}) {
				t.Errorf("%s reading %s returned %#v, want the zero value", r.name, w.name, got)
			}
		}
	}
}

// TestJSONAndTaggedCodecsTellEachOtherApart: JSON is written plain, but no JSON
// text starts with a tag byte, so both sides still detect the mismatch.
func TestJSONAndTaggedCodecsTellEachOtherApart(t *testing.T) {
	js := serializer.JSON[User]()
	plain, err := js.Marshal(sampleUser())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range taggedCodecs() {
		b, err := tc.user.Marshal(sampleUser())
		if err != nil {
			t.Fatal(err)
		}
		got, err := js.Unmarshal(b)
		wantCodecErr(t, err, "written by "+tc.name+" but read with json", "same codec")
		if !reflect.DeepEqual(got, User{}) {
			t.Errorf("json reading %s returned %#v, want the zero value", tc.name, got)
		}
		_, err = tc.user.Unmarshal(plain)
		wantCodecErr(t, err, tc.name, "untagged JSON")
	}
}

func TestEmptyInputFails(t *testing.T) {
	for _, tc := range taggedCodecs() {
		for _, in := range [][]byte{nil, {}} {
			_, err := tc.user.Unmarshal(in)
			wantCodecErr(t, err, tc.name, "empty")
		}
		// The tag alone is not a value either.
		_, err := tc.user.Unmarshal([]byte{tc.tag})
		wantCodecErr(t, err, tc.name)
	}
}

func TestJSONRejectsEmptyAndNonJSON(t *testing.T) {
	c := serializer.JSON[User]()
	for _, in := range [][]byte{nil, {}} {
		_, err := c.Unmarshal(in)
		wantCodecErr(t, err, "json", "empty")
	}
	_, err := c.Unmarshal([]byte{serializer.TagJSON}) // the old tag alone is not a value
	wantCodecErr(t, err, "json")
	for _, in := range [][]byte{{0x80, 0x04, 0x95}, {0x00, 0x01}, []byte("plain text"), {0xff}} {
		got, err := c.Unmarshal(in)
		wantCodecErr(t, err, "json", "not JSON", "serializer.Raw")
		if !reflect.DeepEqual(got, User{}) {
			t.Errorf("json reading %q returned %#v, want the zero value", in, got)
		}
	}
}

func TestUntaggedInputFails(t *testing.T) {
	cases := []struct {
		in   []byte
		hint string
	}{
		{[]byte{0x80, 0x04, 0x95}, "Python pickle"},
		{[]byte(`{"ID":1}`), "untagged JSON"},
		{[]byte{0x00, 0x01}, "unknown format tag 0x00"},
		{[]byte("plain text"), "serializer.Raw"},
	}
	for _, tc := range taggedCodecs() {
		for _, c := range cases {
			_, err := tc.user.Unmarshal(c.in)
			wantCodecErr(t, err, tc.name, c.hint)
		}
	}
}

func TestTruncatedInputFails(t *testing.T) {
	for _, tc := range encodingCodecs() {
		b, err := tc.user.Marshal(sampleUser())
		if err != nil {
			t.Fatal(err)
		}
		for n := 1; n < len(b); n++ {
			got, err := tc.user.Unmarshal(b[:n])
			if err == nil {
				t.Fatalf("%s: the first %d of %d bytes decoded without error to %#v", tc.name, n, len(b), got)
			}
			wantCodecErr(t, err, tc.name)
			if !reflect.DeepEqual(got, User{}) {
				t.Fatalf("%s: a failed decode returned %#v, want the zero value", tc.name, got)
			}
		}
	}
}

func TestTrailingBytesFail(t *testing.T) {
	for _, tc := range encodingCodecs() {
		b, err := tc.user.Marshal(sampleUser())
		if err != nil {
			t.Fatal(err)
		}
		_, err = tc.user.Unmarshal(append(b, 0x01))
		wantCodecErr(t, err, tc.name)
	}
}

func TestCorruptedInputNeverPanics(t *testing.T) {
	for _, tc := range encodingCodecs() {
		b, err := tc.user.Marshal(sampleUser())
		if err != nil {
			t.Fatal(err)
		}
		failures := 0
		for i := 1; i < len(b); i++ {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				c := append([]byte(nil), b...)
				c[i] ^= x
				if _, err := tc.user.Unmarshal(c); err != nil {
					wantCodecErr(t, err, tc.name)
					failures++
				}
			}
		}
		if failures == 0 {
			t.Errorf("%s: no corruption of %d bytes was detected", tc.name, len(b))
		}
	}
}

func TestWrongTypeFails(t *testing.T) {
	for _, name := range []string{"msgpack", "gob", "json"} {
		b, err := codecByName[string](t, name).Marshal("not a number")
		if err != nil {
			t.Fatal(err)
		}
		got, err := codecByName[int](t, name).Unmarshal(b)
		wantCodecErr(t, err, name, "cannot decode", "into int")
		if got != 0 {
			t.Errorf("%s: failed decode returned %d", name, got)
		}
	}
}

func TestUnencodableValuesFail(t *testing.T) {
	_, err := serializer.JSON[chan int]().Marshal(make(chan int))
	wantCodecErr(t, err, "json cannot encode chan int")
	_, err = serializer.JSON[float64]().Marshal(math.NaN())
	wantCodecErr(t, err, "json cannot encode float64")
	_, err = serializer.Gob[func()]().Marshal(func() {})
	wantCodecErr(t, err, "gob cannot encode func()")
	_, err = serializer.Gob[chan int]().Marshal(make(chan int))
	wantCodecErr(t, err, "gob cannot encode chan int")
	_, err = serializer.Gob[*User]().Marshal(nil)
	wantCodecErr(t, err, "gob cannot encode a nil *serializer_test.User")
	_, err = serializer.Gob[any]().Marshal(map[string]any{"a": 1}) // unregistered type behind an interface
	wantCodecErr(t, err, "gob cannot encode interface {}")
	_, err = serializer.MsgPack[chan int]().Marshal(make(chan int))
	wantCodecErr(t, err, "msgpack cannot encode chan int")
	_, err = serializer.MsgPack[func()]().Marshal(func() {})
	wantCodecErr(t, err, "msgpack cannot encode func()")
}

// panicky panics while encoding and decoding, like a buggy library would.
type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("boom") }
func (*panicky) UnmarshalJSON([]byte) error  { panic("boom") }

func TestPanicsBecomeErrors(t *testing.T) {
	c := serializer.JSON[panicky]()
	_, err := c.Marshal(panicky{})
	wantCodecErr(t, err, "json panicked during encoding", "boom")
	_, err = c.Unmarshal([]byte{serializer.TagJSON, '{', '}'})
	wantCodecErr(t, err, "json panicked during decoding", "boom")
}

func TestLibraryErrorIsWrapped(t *testing.T) {
	_, err := serializer.JSON[int]().Unmarshal([]byte{serializer.TagJSON, '"', 'x', '"'})
	wantCodecErr(t, err)
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		t.Fatalf("error %v does not wrap the library's error", err)
	}
}

// refuses encodes fine but refuses to decode, so a decode fails after the
// fields before it were already set.
type refuses struct{ X int } // non-zero, or gob would not send it

var errRefused = errors.New("refused")

func (refuses) GobEncode() ([]byte, error)              { return []byte{1}, nil }
func (*refuses) GobDecode([]byte) error                 { return errRefused }
func (refuses) MarshalJSON() ([]byte, error)            { return []byte("1"), nil }
func (*refuses) UnmarshalJSON([]byte) error             { return errRefused }
func (refuses) EncodeMsgpack(e *msgpack.Encoder) error  { return e.EncodeInt(1) }
func (*refuses) DecodeMsgpack(d *msgpack.Decoder) error { _, _ = d.DecodeInt(); return errRefused }

type partial struct {
	A int
	B refuses
}

func TestFailedDecodeReturnsZero(t *testing.T) {
	for _, c := range codecsFor[partial]() {
		b, err := c.Marshal(partial{A: 5, B: refuses{X: 1}})
		if err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		got, err := c.Unmarshal(b)
		wantCodecErr(t, err, c.Name(), "refused")
		if !errors.Is(err, errRefused) {
			t.Errorf("%s: error %v does not wrap the cause", c.Name(), err)
		}
		if got != (partial{}) {
			t.Errorf("%s: failed decode returned the partly decoded %#v", c.Name(), got)
		}
	}
}

// A value behind the redis driver's grace header (0xA7, then 8 bytes of expiry),
// read by a cache without grace, names the setting that differs.
func TestGraceHeaderIsNamed(t *testing.T) {
	payload, err := serializer.JSON[string]().Marshal("hello")
	if err != nil {
		t.Fatal(err)
	}
	headed := append([]byte{0xA7, 0, 0, 1, 0x8f, 0, 0, 0, 0}, payload...)
	if _, err := serializer.JSON[string]().Unmarshal(headed); true {
		wantCodecErr(t, err, "grace header", "same grace")
	}
	for _, c := range taggedCodecs() {
		_, err := c.user.Unmarshal(headed)
		wantCodecErr(t, err, "grace header", "same grace")
	}
}
