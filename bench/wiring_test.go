package bench

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
)

// TestSubjects checks the wiring of every subject against the test server: a
// Set then a Get returns the value, a missing key is ErrMiss, and the optional
// GetMany and GetOrSet work. It is what `go test ./...` in bench/ runs (the
// benchmarks need -bench).
func TestSubjects(t *testing.T) {
	ctx := context.Background()
	bytesSubjects := append(append(append([]Factory[[]byte]{}, BytesSubjects...), ClusterSubjects...), ViewSubjects...)
	for _, f := range bytesSubjects {
		t.Run("bytes/"+f.Name, func(t *testing.T) {
			s := open(t, f)
			if s.Name() != f.Name || s.Tier() != f.Tier {
				t.Fatalf("subject says %s/%v, factory %s/%v", s.Name(), s.Tier(), f.Name, f.Tier)
			}
			key := "wiring:" + f.Name
			want := Value(Small)
			ensure(t, s, key, want)
			got, err := s.Get(ctx, key)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("Get = %q, %v; want %q", got, err, want)
			}
			if _, err := s.Get(ctx, "wiring:missing:"+f.Name); !errors.Is(err, ErrMiss) {
				t.Fatalf("Get of a missing key: %v, want ErrMiss", err)
			}
			if vw, ok := s.(Viewer); ok {
				var lent []byte
				err := vw.View(ctx, key, func(v []byte) error { lent = append(lent, v...); return nil })
				if err != nil || !bytes.Equal(lent, want) {
					t.Fatalf("View lent %q, %v; want %q", lent, err, want)
				}
				if err := vw.View(ctx, "wiring:missing:"+f.Name, func([]byte) error { return errLoaderCalled }); !errors.Is(err, ErrMiss) {
					t.Fatalf("View of a missing key: %v, want ErrMiss", err)
				}
			}
			if mg, ok := s.(ManyGetter); ok {
				n, err := mg.GetMany(ctx, []string{key, "wiring:missing:" + f.Name})
				if err != nil || n != 1 {
					t.Fatalf("GetMany = %d, %v; want 1 hit", n, err)
				}
			}
			if gs, ok := s.(GetOrSetter[[]byte]); ok {
				loaded := Value(7)
				v, err := gs.GetOrSet(ctx, "wiring:gos:"+f.Name, func() ([]byte, error) { return loaded, nil })
				if err != nil || !bytes.Equal(v, loaded) {
					t.Fatalf("GetOrSet (miss) = %q, %v", v, err)
				}
				v, err = gs.GetOrSet(ctx, key, func() ([]byte, error) { return nil, errLoaderCalled })
				if err != nil || !bytes.Equal(v, want) {
					t.Fatalf("GetOrSet (hit) = %q, %v", v, err)
				}
			}
		})
	}
	for _, f := range TypedSubjects {
		t.Run("typed/"+f.Name, func(t *testing.T) {
			s := open(t, f)
			key := "wiring:typed:" + f.Name
			want := SampleItem()
			ensure(t, s, key, want)
			got, err := s.Get(ctx, key)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("Get = %+v, %v; want %+v", got, err, want)
			}
			if _, err := s.Get(ctx, "wiring:typed:missing:"+f.Name); !errors.Is(err, ErrMiss) {
				t.Fatalf("Get of a missing key: %v, want ErrMiss", err)
			}
		})
	}
}

func TestHistQuantiles(t *testing.T) {
	var h Hist
	for i := 1; i <= 1000; i++ {
		h.Record(timeNS(i * 1000)) // 1µs .. 1ms, uniform
	}
	for _, c := range []struct{ q, want float64 }{{0.5, 500_000}, {0.99, 990_000}} {
		got := h.Quantile(c.q)
		if got < c.want*0.93 || got > c.want*1.07 {
			t.Errorf("Quantile(%v) = %v, want about %v", c.q, got, c.want)
		}
	}
	var empty Hist
	if empty.Quantile(0.5) != 0 {
		t.Error("empty histogram has a quantile")
	}
	for v := uint64(0); v < 1<<20; v = v*2 + 1 {
		if m := bucketMid(bucketOf(v)); m < float64(v)*0.9 || m > float64(v)*1.1+1 {
			t.Errorf("bucket of %d has middle %v", v, m)
		}
	}
}

// TestRedisSpread: the Redis workload's spread touches every key of the
// working set once per RedisKeys operations, and never the same key twice in
// a row.
func TestRedisSpread(t *testing.T) {
	seen := make([]bool, RedisKeys)
	prev := -1
	for i := range RedisKeys {
		k := RedisSpread(i+RedisKeys*3, RedisKeys) // any offset: the operation counter keeps going
		if seen[k] || k == prev {
			t.Fatalf("op %d: key %d again", i, k)
		}
		seen[k], prev = true, k
	}
	if RedisSpread(12345, 1) != 0 || len(RedisKeyList()) != RedisKeys {
		t.Fatal("hot key or key list")
	}
}

// TestStampedeSubjects: every subject of the stampede workload has a
// read-through call (the benchmark would skip it otherwise).
func TestStampedeSubjects(t *testing.T) {
	for _, f := range StampedeSubjects {
		if _, ok := open(t, f).(GetOrSetter[[]byte]); !ok {
			t.Errorf("%s has no GetOrSet", f.Name)
		}
	}
}
