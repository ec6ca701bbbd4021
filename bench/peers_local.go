package bench

import (
	"context"

	"github.com/dgraph-io/ristretto/v2"
	"github.com/maypok86/otter/v2"

	"github.com/stratacache/strata/drivers/memory"
)

// newRistretto returns a ristretto v2 cache configured as Strata's memory
// subjects configure theirs (MemoryOptions).
func newRistretto[V any]() (*ristretto.Cache[string, V], error) {
	return ristretto.NewCache(&ristretto.Config[string, V]{
		NumCounters:        MemCounters,
		MaxCost:            MemMaxCost,
		BufferItems:        memory.DefaultBufferItems,
		IgnoreInternalCost: true,
	})
}

// entryCost is what the ristretto-based peers charge an entry: what
// drivers/memory charges (key, value and its per-entry overhead estimate).
func entryCost(key string, n int) int64 { return int64(len(key)+n) + memory.EntryOverhead }

// ristrettoSubject is ristretto v2 used directly: Get returns the stored slice
// (no copy), SetWithTTL is asynchronous and may drop a write under contention.
type ristrettoSubject struct {
	rc *ristretto.Cache[string, []byte]
}

func (s *ristrettoSubject) Name() string { return "ristretto" }
func (s *ristrettoSubject) Tier() Tier   { return Local }
func (s *ristrettoSubject) Close() error { s.rc.Close(); return nil }
func (s *ristrettoSubject) Wait()        { s.rc.Wait() }

func (s *ristrettoSubject) Get(_ context.Context, key string) ([]byte, error) {
	v, ok := s.rc.Get(key)
	if !ok {
		return nil, miss(key)
	}
	return v, nil
}

// Set does not report a dropped write: ristretto's Set returning false is its
// documented behaviour under contention, not an error.
func (s *ristrettoSubject) Set(_ context.Context, key string, v []byte) error {
	s.rc.SetWithTTL(key, v, entryCost(key, len(v)), TTL)
	return nil
}

// otterSubject is otter v2 bounded by weight in bytes (key and value length),
// entries expiring TTL after they are written. Get returns the stored slice.
type otterSubject struct {
	c *otter.Cache[string, []byte]
}

func (s *otterSubject) Name() string { return "otter" }
func (s *otterSubject) Tier() Tier   { return Local }
func (s *otterSubject) Close() error { return nil }

func (s *otterSubject) Get(_ context.Context, key string) ([]byte, error) {
	v, ok := s.c.GetIfPresent(key)
	if !ok {
		return nil, miss(key)
	}
	return v, nil
}

func (s *otterSubject) Set(_ context.Context, key string, v []byte) error {
	s.c.Set(key, v)
	return nil
}

func (s *otterSubject) GetOrSet(ctx context.Context, key string, load func() ([]byte, error)) ([]byte, error) {
	return s.c.Get(ctx, key, otter.LoaderFunc[string, []byte](func(context.Context, string) ([]byte, error) {
		return load()
	}))
}

// The factories of the in-process peers.
var (
	Ristretto = Factory[[]byte]{Name: "ristretto", Tier: Local,
		New: func(context.Context, *Env) (Subject[[]byte], error) {
			rc, err := newRistretto[[]byte]()
			if err != nil {
				return nil, err
			}
			return &ristrettoSubject{rc: rc}, nil
		}}
	Otter = Factory[[]byte]{Name: "otter", Tier: Local,
		New: func(context.Context, *Env) (Subject[[]byte], error) {
			c, err := otter.New(&otter.Options[string, []byte]{
				MaximumWeight:    MemMaxCost,
				Weigher:          func(k string, v []byte) uint32 { return uint32(len(k) + len(v)) },
				ExpiryCalculator: otter.ExpiryWriting[string, []byte](TTL),
			})
			if err != nil {
				return nil, err
			}
			return &otterSubject{c: c}, nil
		}}
)
