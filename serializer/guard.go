package serializer

import (
	"encoding"
	"encoding/gob"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// The encode guard. msgpack and gob encode recursively without a depth
// bound, so a value that contains itself (n.Next = n, m["self"] = m), or one
// nested millions deep, makes them recurse until the runtime kills the
// process with a stack overflow, which recover cannot catch. Before encoding,
// the codecs check the value against the limits the decoders apply, so that
// whatever encodes can also be decoded:
//
//   - at most maxNesting levels of containers (maps, slices, arrays and
//     structs, the levels msgpack, JSON and gob data nest), and
//   - at most maxRefs pointers and interfaces on one path, since those cost
//     encoder stack too, with or without containers between them.
//
// The walk (guard_walk.go) also records the references on its path below a
// small depth, so that a cyclic value is reported as cyclic, as soon as it
// meets a reference inside itself. (encoding/json finds cycles itself, but
// not values too deep, and reports them in its own words.) Most types need
// no walk at all: a typeInfo, built once per type and codec, says whether a
// type can hold a cycle or nest arbitrarily deep. Only types that reach an
// interface or themselves (through pointers, maps or slices the codec
// follows) are walked, and only their parts that can.

// maxRefs bounds the pointers and interfaces on one path of a value being
// encoded. A chain of them with no container between (var x any; x = &x)
// escapes the container count, so it needs its own bound; three per level
// leaves room for a pointer to a struct behind an interface at every level.
const maxRefs = 3 * maxNesting

// rules say which parts of a value a codec's encoder follows, and cache the
// typeInfo of each type for that codec.
type rules struct {
	name string
	// keys reports whether map keys are encoded like values (msgpack, gob)
	// rather than as strings (json).
	keys bool
	// custom lists the interfaces through which a type encodes itself; the
	// encoder does not look inside such values, and neither does the guard.
	custom []reflect.Type
	// follows reports whether the encoder writes the struct field f.
	follows func(f reflect.StructField) bool
	infos   sync.Map // reflect.Type -> *typeInfo
}

var (
	msgpackRules = &rules{name: nameMsgPack, keys: true, follows: msgpackFollows, custom: []reflect.Type{
		reflect.TypeFor[msgpack.CustomEncoder](), reflect.TypeFor[msgpack.Marshaler](),
		reflect.TypeFor[encoding.BinaryMarshaler](), reflect.TypeFor[encoding.TextMarshaler](),
	}}
	gobRules = &rules{name: nameGob, keys: true, follows: reflect.StructField.IsExported, custom: []reflect.Type{
		reflect.TypeFor[gob.GobEncoder](), reflect.TypeFor[encoding.BinaryMarshaler](),
		reflect.TypeFor[encoding.TextMarshaler](),
	}}
	jsonRules = &rules{name: nameJSON, follows: jsonFollows, custom: []reflect.Type{
		reflect.TypeFor[json.Marshaler](), reflect.TypeFor[encoding.TextMarshaler](),
	}}
	errorType = reflect.TypeFor[error]()
)

// msgpackFollows mirrors msgpack's getFields: tag name "-" skips a field,
// and embedded fields are encoded even when their type is unexported.
func msgpackFollows(f reflect.StructField) bool {
	name, _, _ := strings.Cut(f.Tag.Get("msgpack"), ",")
	return name != "-" && (f.IsExported() || f.Anonymous)
}

// jsonFollows mirrors encoding/json: the tag "-" skips a field, and an
// embedded struct (or pointer to one) is followed even when unexported.
func jsonFollows(f reflect.StructField) bool {
	if f.Tag.Get("json") == "-" {
		return false
	}
	if f.Anonymous {
		t := f.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		return f.IsExported() || t.Kind() == reflect.Struct
	}
	return f.IsExported()
}

// isCustom reports whether values of t encode themselves, through a method
// of t or of *t (the encoders use the latter for addressable values).
func (r *rules) isCustom(t reflect.Type) bool {
	for _, it := range r.custom {
		if t.Implements(it) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(it)) {
			return true
		}
	}
	return r == msgpackRules && t == errorType // msgpack writes err.Error()
}

// typeInfo is what the guard knows about one type under one codec's rules.
// It is immutable once published.
type typeInfo struct {
	r    *rules
	typ  reflect.Type
	kind reflect.Kind
	// walk reports whether a value of the type may be cyclic or nest
	// arbitrarily deep: the type reaches an interface, or itself.
	walk bool
	// depth and refs bound the containers and references a value opens,
	// counting the value itself. For a type that needs a walk, they bound
	// only its struct fields and map keys or elements that need none.
	depth, refs int
	// fast reports that no value of the type needs checking at all.
	fast bool
	// bad, when not empty, says why the codec's library cannot handle the
	// type (it would recurse forever on the type itself); see msgpackLoop.
	bad    string
	elem   *typeInfo   // pointer, slice, array and map elements
	key    *typeInfo   // map keys, when the codec follows them and they need a walk
	fields []fieldInfo // struct fields that need a walk
	kids   []*typeInfo // every child, to spread bad
}

type fieldInfo struct {
	index int
	info  *typeInfo
}

// info returns the typeInfo of t, building it (and those of the types it
// reaches) on first use.
func (r *rules) info(t reflect.Type) *typeInfo {
	if ti, ok := r.infos.Load(t); ok {
		return ti.(*typeInfo)
	}
	b := builder{r: r, local: map[reflect.Type]*typeInfo{}, open: map[reflect.Type]bool{}}
	b.visit(t)
	b.finish()
	ti, _ := r.infos.Load(t)
	return ti.(*typeInfo)
}

// builder builds the typeInfos of a type graph by depth-first search. A type
// met again while it is still open lies on a cycle: it and every type on the
// path back to it need a walk.
type builder struct {
	r     *rules
	local map[reflect.Type]*typeInfo
	open  map[reflect.Type]bool
}

// visit returns the typeInfo of t and whether its values need a walk.
func (b *builder) visit(t reflect.Type) (*typeInfo, bool) {
	if ti, ok := b.r.infos.Load(t); ok {
		return ti.(*typeInfo), ti.(*typeInfo).walk
	}
	if ti, ok := b.local[t]; ok {
		return ti, ti.walk || b.open[t]
	}
	ti := &typeInfo{r: b.r, typ: t, kind: t.Kind()}
	b.local[t] = ti
	if b.r.isCustom(t) {
		return ti, false // encoded by its own methods: a leaf
	}
	if b.r == msgpackRules {
		ti.bad = msgpackLoop(t)
	}
	b.open[t] = true
	defer delete(b.open, t)
	switch ti.kind {
	case reflect.Interface:
		ti.walk = true // the dynamic type is looked up while walking
	case reflect.Pointer:
		ti.elem = b.child(ti, t.Elem(), false, 0)
		ti.refs++
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && ti.kind == reflect.Slice {
			return ti, false // bytes: one string-like item in every format
		}
		if ti.kind == reflect.Array && t.Len() == 0 {
			return ti, false
		}
		ti.elem = b.child(ti, t.Elem(), false, 1)
	case reflect.Map:
		if b.r.keys {
			if k := b.child(ti, t.Key(), true, 1); k.walk || b.open[k.typ] {
				ti.key = k
			}
		}
		ti.elem = b.child(ti, t.Elem(), true, 1)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !b.r.follows(f) {
				continue
			}
			if fi := b.child(ti, f.Type, true, 1); fi.walk || b.open[fi.typ] {
				ti.fields = append(ti.fields, fieldInfo{index: i, info: fi})
			}
		}
	}
	return ti, ti.walk
}

// child visits c, a child of parent that is level containers deeper. If c
// needs a walk, so does parent; otherwise c's bounds become part of
// parent's. For a parent that needs a walk anyway they are only kept when
// mixed is true: its children are walked one by one, and those that need no
// walk are checked against these bounds instead.
func (b *builder) child(parent *typeInfo, c reflect.Type, mixed bool, level int) *typeInfo {
	ci, walk := b.visit(c)
	parent.kids = append(parent.kids, ci)
	if walk {
		parent.walk = true
		return ci
	}
	if mixed || !parent.walk {
		parent.depth = max(parent.depth, ci.depth+level)
		parent.refs = max(parent.refs, ci.refs)
	}
	return ci
}

// finish completes and publishes the types built: bad spreads to every type
// that reaches a bad one, and fast is set.
func (b *builder) finish() {
	for changed := true; changed; {
		changed = false
		for _, ti := range b.local {
			if ti.bad != "" {
				continue
			}
			for _, k := range ti.kids {
				if k.bad != "" {
					ti.bad, changed = k.bad, true
					break
				}
			}
		}
	}
	for t, ti := range b.local {
		ti.fast = !ti.walk && ti.bad == "" && ti.depth <= maxNesting && ti.refs <= maxRefs
		b.r.infos.LoadOrStore(t, ti)
	}
}

// msgpackLoop explains why the msgpack library would recurse forever on the
// type t itself, whatever the value, or returns "". It computes a struct's
// fields by computing those of every struct it embeds (inlines), without
// noticing when that leads back to a struct it is already computing; and it
// builds a pointer type's encoder from its element's, so a pointer type that
// is its own element (type P *P) never ends either.
func msgpackLoop(t reflect.Type) string {
	seen := []reflect.Type{t}
	for p := t; p.Kind() == reflect.Pointer; {
		p = p.Elem()
		if slices.Contains(seen, p) {
			return "the pointer type " + t.String() + " points to itself, which the msgpack library cannot handle"
		}
		seen = append(seen, p)
	}
	if t.Kind() != reflect.Struct {
		return ""
	}
	return msgpackEmbedLoop(t, []reflect.Type{t})
}

// msgpackEmbedLoop follows the embedded fields msgpack inlines from the
// struct at the end of chain, looking for one already on the chain.
func msgpackEmbedLoop(t reflect.Type, chain []reflect.Type) string {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("msgpack"), ",")
		if name == "-" || slices.Contains(strings.Split(opts, ","), "noinline") {
			continue
		}
		et := f.Type
		for n := 0; et.Kind() == reflect.Pointer && n < 8; n++ {
			et = et.Elem()
		}
		if et.Kind() != reflect.Struct || msgpackRules.isCustom(et) {
			continue
		}
		if slices.Contains(chain, et) {
			return "the struct " + et.String() + " embeds itself (through field " + f.Name + " of " + t.String() +
				"), which makes the msgpack library recurse forever: name the field or tag it `msgpack:\",noinline\"`"
		}
		if why := msgpackEmbedLoop(et, append(chain, et)); why != "" {
			return why
		}
	}
	return ""
}
