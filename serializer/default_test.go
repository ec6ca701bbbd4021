package serializer_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/stratacache/strata/serializer"
)

// restoreDefault puts the default back to msgpack when the test ends.
func restoreDefault(t *testing.T) {
	t.Cleanup(func() {
		if err := serializer.SetDefault("msgpack"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDefaultIsMsgPack(t *testing.T) {
	c := serializer.Default[User]()
	if c.Name() != "msgpack" {
		t.Fatalf("Default is %q, want msgpack", c.Name())
	}
	b, err := c.Marshal(sampleUser())
	if err != nil || b[0] != serializer.TagMsgPack {
		t.Fatalf("Default wrote tag %#x, %v", b[0], err)
	}
}

func TestSetDefault(t *testing.T) {
	restoreDefault(t)
	for _, tc := range []struct{ in, want string }{
		{"gob", "gob"}, {"json", "json"}, {"JSON", "json"}, {"msgpack", "msgpack"},
	} {
		if err := serializer.SetDefault(tc.in); err != nil {
			t.Fatalf("SetDefault(%q): %v", tc.in, err)
		}
		if got := serializer.Default[User]().Name(); got != tc.want {
			t.Fatalf("after SetDefault(%q) Default is %q", tc.in, got)
		}
	}
	// A codec obtained earlier keeps its format.
	before := serializer.Default[User]()
	if err := serializer.SetDefault("gob"); err != nil {
		t.Fatal(err)
	}
	if before.Name() != "msgpack" {
		t.Fatalf("an existing default codec changed to %q", before.Name())
	}
	if got, _ := serializer.ByName[User](""); got.Name() != "gob" {
		t.Fatalf(`ByName("") = %q, want the default gob`, got.Name())
	}
}

func TestSetDefaultRejectsUnknownNames(t *testing.T) {
	restoreDefault(t)
	if err := serializer.SetDefault("json"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "raw", "pickle", "xml"} {
		err := serializer.SetDefault(name)
		if err == nil {
			t.Fatalf("SetDefault(%q) succeeded", name)
		}
		for _, allowed := range []string{`"msgpack"`, `"gob"`, `"json"`} {
			if !strings.Contains(err.Error(), allowed) {
				t.Errorf("error %q does not list %s", err, allowed)
			}
		}
		if got := serializer.Default[User]().Name(); got != "json" {
			t.Fatalf("a rejected SetDefault(%q) changed the default to %q", name, got)
		}
	}
}

func TestSetDefaultConcurrent(t *testing.T) {
	restoreDefault(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 100 {
				_ = serializer.SetDefault([]string{"gob", "json"}[i%2])
				if n := serializer.Default[int]().Name(); n != "gob" && n != "json" && n != "msgpack" {
					t.Errorf("Default is %q", n)
				}
			}
		})
	}
	wg.Wait()
}

func TestByName(t *testing.T) {
	for _, name := range []string{"msgpack", "gob", "json"} {
		c := codecByName[User](t, name)
		roundTrip(t, c, sampleUser(), nil)
	}
	if c, err := serializer.ByName[User]("GOB"); err != nil || c.Name() != "gob" {
		t.Fatalf(`ByName("GOB") = %v, %v`, c, err)
	}
	if c, err := serializer.ByName[User](""); err != nil || c.Name() != "msgpack" {
		t.Fatalf(`ByName("") = %v, %v; want the default msgpack`, c, err)
	}

	s, err := serializer.ByName[string]("raw")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := s.Marshal("as is"); string(b) != "as is" {
		t.Fatalf("raw string codec wrote %q", b)
	}
	bc, err := serializer.ByName[[]byte]("raw")
	if err != nil {
		t.Fatal(err)
	}
	in := []byte{1, 2}
	if b, _ := bc.Marshal(in); &b[0] != &in[0] {
		t.Fatal(`ByName[[]byte]("raw") is not the non-copying raw codec`)
	}
}

func TestByNameRejects(t *testing.T) {
	_, err := serializer.ByName[User]("raw")
	if err == nil || !strings.Contains(err.Error(), "string or []byte") || !strings.Contains(err.Error(), "serializer_test.User") {
		t.Fatalf(`ByName[User]("raw") error = %v`, err)
	}
	_, err = serializer.ByName[blob]("raw")
	if err == nil || !strings.Contains(err.Error(), "Raw[T]()") {
		t.Fatalf(`ByName[blob]("raw") error = %v`, err)
	}
	_, err = serializer.ByName[User]("pickle")
	if err == nil {
		t.Fatal(`ByName("pickle") succeeded`)
	}
	for _, allowed := range []string{`"msgpack"`, `"gob"`, `"json"`, `"raw"`} {
		if !strings.Contains(err.Error(), allowed) {
			t.Errorf("error %q does not list %s", err, allowed)
		}
	}
}
