package serializer

import (
	"reflect"
	"testing"
	"time"
)

type plainRecord struct {
	ID, Version int64
	Name, Email string
	Created     time.Time
	Tags        []string
	Attrs       map[string]string
	Data        []byte
	Home        *struct{ Street string }
	hidden      *plainRecord // unexported: no codec follows it
	Skip        *plainRecord `msgpack:"-" json:"-"`
}

type recursive struct {
	Name     string
	Children []recursive
}

type withAny struct {
	ID    int
	Extra any
}

// Ordinary types cost Marshal one test of a field; only types that can hold
// a cycle, or nest without bound, are walked.
func TestGuardWalksOnlyTypesThatNeedIt(t *testing.T) {
	fast := func(r *rules, v any) bool { return r.info(reflect.TypeOf(v)).fast }
	for _, v := range []any{0, "s", plainRecord{}, &plainRecord{}, []plainRecord{}, map[string][]int{}, [3]byte{}, time.Time{}} {
		for _, r := range []*rules{msgpackRules, jsonRules} {
			if !fast(r, v) {
				t.Errorf("%s: %T needs a walk", r.name, v)
			}
		}
	}
	// gob has no tags: it follows Skip, and so plainRecord may be cyclic.
	if fast(gobRules, plainRecord{}) || !fast(gobRules, recursive{}.Name) {
		t.Errorf("gob: wrong answer for plainRecord or string")
	}
	for _, v := range []any{recursive{}, withAny{}, []any{}, map[string]any{}, new(any)} {
		for _, r := range []*rules{msgpackRules, gobRules, jsonRules} {
			if fast(r, v) {
				t.Errorf("%s: %T needs no walk, but it may hold a cycle", r.name, v)
			}
		}
	}
	if d := msgpackRules.info(reflect.TypeFor[plainRecord]()).depth; d != 2 {
		t.Errorf("plainRecord nests %d levels, want 2 (the record, then Tags or Attrs)", d)
	}
}
