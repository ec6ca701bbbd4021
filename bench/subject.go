package bench

import (
	"context"
	"errors"
	"fmt"
)

// ErrMiss is what a Subject's Get returns (wrapped or as is) for a missing key.
var ErrMiss = errors.New("bench: miss")

// Tier says where a subject's operations go, which decides whether the
// benchmarks sample per-operation latency (a clock read costs about as much as
// a memory-cache hit, so only network round trips are timed).
type Tier int

const (
	// Local subjects live in the process: no operation leaves it.
	Local Tier = iota
	// Remote subjects make a network round trip for every operation.
	Remote
	// Hybrid subjects keep a local copy in front of Redis: hits stay in the
	// process, writes and misses go to Redis.
	Hybrid
)

func (t Tier) String() string {
	switch t {
	case Local:
		return "local"
	case Remote:
		return "remote"
	case Hybrid:
		return "hybrid"
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// Subject is one library under test, seen through the operations every cache
// has. V is []byte for the bytes subjects and Item for the typed ones.
// Implementations are safe for concurrent use.
type Subject[V any] interface {
	Name() string
	Tier() Tier
	// Get returns the value under key, or an error wrapping ErrMiss.
	Get(ctx context.Context, key string) (V, error)
	// Set stores v under key for TTL.
	Set(ctx context.Context, key string, v V) error
	Close() error
}

// ManyGetter is implemented by subjects with a native multi-key read (MGET or
// an equivalent batch): GetMany reads keys in one call and returns how many
// were found.
type ManyGetter interface {
	GetMany(ctx context.Context, keys []string) (hits int, err error)
}

// GetOrSetter is implemented by subjects with a read-through call that runs
// load only on a miss.
type GetOrSetter[V any] interface {
	GetOrSet(ctx context.Context, key string, load func() (V, error)) (V, error)
}

// Viewer is implemented by subjects that lend a stored value to a callback
// instead of returning it (Strata's Cache.View): the Get workload reads
// through View when a subject has it. fn must not keep v.
type Viewer interface {
	View(ctx context.Context, key string, fn func(v []byte) error) error
}

// Waiter is implemented by subjects that apply writes asynchronously
// (ristretto): Wait returns once earlier writes are applied.
type Waiter interface{ Wait() }

// Factory creates a subject. The benchmarks create each subject once per
// process and share it between workloads; the memory measurement creates fresh
// ones.
type Factory[V any] struct {
	Name string
	Tier Tier
	New  func(ctx context.Context, env *Env) (Subject[V], error)
}

// miss wraps ErrMiss with the key, the way every subject reports a miss.
func miss(key string) error { return fmt.Errorf("%w: %q", ErrMiss, key) }
