package serializer_test

import (
	"bytes"
	"testing"

	"github.com/stratacache/strata/serializer"
)

type blob []byte
type text string

func TestRawWritesExactBytes(t *testing.T) {
	in := []byte{serializer.TagMsgPack, 0x00, 'a', 0xff}
	out, err := serializer.Raw[[]byte]().Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, in) {
		t.Fatalf("Raw wrote % x, want % x", out, in)
	}

	s := "héllo\x00"
	out, err = serializer.Raw[string]().Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, []byte(s)) {
		t.Fatalf("Raw wrote % x, want % x", out, s)
	}
	got, err := serializer.Raw[string]().Unmarshal(out)
	if err != nil || got != s {
		t.Fatalf("Raw string round trip gave %q, %v", got, err)
	}

	out, err = serializer.Raw[text]().Marshal("named")
	if err != nil || string(out) != "named" {
		t.Fatalf("Raw[text] wrote %q, %v", out, err)
	}
	back, err := serializer.Raw[blob]().Unmarshal([]byte("named"))
	if err != nil || string(back) != "named" {
		t.Fatalf("Raw[blob] read %q, %v", back, err)
	}
}

func TestRawEmpty(t *testing.T) {
	out, err := serializer.Raw[string]().Marshal("")
	if err != nil || len(out) != 0 {
		t.Fatalf("Raw(\"\") wrote %q, %v", out, err)
	}
	got, err := serializer.Raw[[]byte]().Unmarshal(nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("Raw.Unmarshal(nil) gave %q, %v", got, err)
	}
}

func TestRawByteSliceDoesNotCopy(t *testing.T) {
	c := serializer.Raw[[]byte]()
	in := []byte("payload")
	out, err := c.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if &out[0] != &in[0] || len(out) != len(in) {
		t.Fatal("Raw[[]byte].Marshal copied its input")
	}
	back, err := c.Unmarshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if &back[0] != &out[0] || len(back) != len(out) {
		t.Fatal("Raw[[]byte].Unmarshal copied its input")
	}

	named := blob("named")
	nout, err := serializer.Raw[blob]().Marshal(named)
	if err != nil || &nout[0] != &named[0] {
		t.Fatalf("Raw[blob].Marshal copied its input (%v)", err)
	}
}

func TestRawByteSliceAllocatesNothing(t *testing.T) {
	c := serializer.Raw[[]byte]()
	in := []byte("payload")
	allocs := testing.AllocsPerRun(100, func() {
		b, _ := c.Marshal(in)
		_, _ = c.Unmarshal(b)
	})
	if allocs != 0 {
		t.Fatalf("Raw[[]byte] round trip allocated %v times, want 0", allocs)
	}
}

func TestRawName(t *testing.T) {
	if n := serializer.Raw[string]().Name(); n != "raw" {
		t.Fatalf("Name() = %q, want raw", n)
	}
}
