package serializer_test

import (
	"errors"
	"fmt"

	"github.com/stratacache/strata/serializer"
)

type Session struct {
	User  string
	Roles []string
}

// Every tagged value starts with its format's tag byte.
func Example() {
	b, err := serializer.MsgPack[string]().Marshal("hi")
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", b)
	// Output: c1 a2 68 69
}

func ExampleMsgPack() {
	c := serializer.MsgPack[Session]()
	b, err := c.Marshal(Session{User: "ann", Roles: []string{"admin"}})
	if err != nil {
		panic(err)
	}
	s, err := c.Unmarshal(b)
	fmt.Println(s.User, s.Roles, err)
	// Output: ann [admin] <nil>
}

func ExampleJSON() {
	b, err := serializer.JSON[Session]().Marshal(Session{User: "ann"})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", b) // plain JSON: any language's JSON library reads it
	// Output: {"User":"ann","Roles":null}
}

func ExampleGob() {
	c := serializer.Gob[map[string]int]()
	b, err := c.Marshal(map[string]int{"hits": 3})
	if err != nil {
		panic(err)
	}
	m, err := c.Unmarshal(b)
	fmt.Println(m["hits"], err)
	// Output: 3 <nil>
}

// Raw stores exactly the given bytes, for readers in other languages.
func ExampleRaw() {
	c := serializer.Raw[string]()
	b, _ := c.Marshal(`{"from":"python"}`)
	fmt.Println(string(b))
	// Output: {"from":"python"}
}

// A reader configured with another codec gets ErrCodec, not garbage.
func ExampleErrCodec() {
	b, _ := serializer.Gob[Session]().Marshal(Session{User: "ann"})
	_, err := serializer.MsgPack[Session]().Unmarshal(b)
	fmt.Println(errors.Is(err, serializer.ErrCodec))
	fmt.Println(err)
	// Output:
	// true
	// strata: codec error: value was written by gob but read with msgpack: use the same codec on every writer and reader of a key, or remove the old keys
}

func ExampleSetDefault() {
	if err := serializer.SetDefault("json"); err != nil {
		panic(err)
	}
	fmt.Println(serializer.Default[Session]().Name())
	fmt.Println(serializer.SetDefault("pickle"))
	_ = serializer.SetDefault("msgpack") // restore
	// Output:
	// json
	// strata: unknown default serializer "pickle": use "msgpack", "gob" or "json"
}

func ExampleByName() {
	// The "serializer" setting of a config file.
	c, err := serializer.ByName[string]("raw")
	fmt.Println(c.Name(), err)
	_, err = serializer.ByName[Session]("raw")
	fmt.Println(err)
	// Output:
	// raw <nil>
	// strata: serializer "raw" stores only string or []byte values, not serializer_test.Session: use "msgpack", "gob" or "json" (or serializer.Raw[T]() in code for a named string or byte-slice type)
}
