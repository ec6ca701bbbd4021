package serializer

import (
	"fmt"
	"strings"
)

// ByName returns the codec a config file names: "msgpack", "gob", "json",
// "raw", or "" for Default (case does not matter). "raw" needs V to be exactly
// string or []byte; for a named string or byte-slice type call Raw[T]()
// directly. Any other name returns an error listing the allowed ones.
func ByName[V any](name string) (Codec[V], error) {
	switch strings.ToLower(name) {
	case "":
		return Default[V](), nil
	case nameMsgPack:
		return MsgPack[V](), nil
	case nameGob:
		return Gob[V](), nil
	case nameJSON:
		return JSON[V](), nil
	case nameRaw:
		switch any((*V)(nil)).(type) {
		case *string:
			return any(Raw[string]()).(Codec[V]), nil
		case *[]byte:
			return any(Raw[[]byte]()).(Codec[V]), nil
		}
		return nil, fmt.Errorf("strata: serializer %q stores only string or []byte values, not %s: "+
			"use \"msgpack\", \"gob\" or \"json\" (or serializer.Raw[T]() in code for a named string or byte-slice type)",
			name, typeName[V]())
	}
	return nil, fmt.Errorf("strata: unknown serializer %q: use \"msgpack\", \"gob\", \"json\", \"raw\", or \"\" for the default", name)
}
