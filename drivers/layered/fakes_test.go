package layered

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/memory"
)

// errDown is what a failing fake L2 returns, as a Redis that went away would: an
// outage, wrapping adapter.ErrUnavailable.
var errDown = fmt.Errorf("fake L2: connection refused: %w", adapter.ErrUnavailable)

// bus is an in-process pub/sub standing in for Redis's: every busL2 on it shares one
// memory store (the "server") and receives the others' publications synchronously.
type bus struct {
	store *memory.Adapter

	mu   sync.Mutex
	subs map[*busSub]struct{}
	// deaf makes subscriptions silently lose messages, like a subscription that is
	// not re-established yet.
	deaf atomic.Bool
}

type busSub struct {
	owner        *busL2
	all          bool // deliver the owner's own messages too (SubscribeAll)
	mu           sync.Mutex
	onInvalidate func(publisher string, keys []string)
	onReset      func()
}

func newBus(t *testing.T) *bus {
	t.Helper()
	store, err := memory.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return &bus{store: store, subs: map[*busSub]struct{}{}}
}

// reset calls every subscription's onReset, as a lost connection would.
func (b *bus) reset() {
	b.mu.Lock()
	subs := make([]*busSub, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()
	for _, s := range subs {
		s.mu.Lock()
		s.onReset()
		s.mu.Unlock()
	}
}

// busL2 is one "process's" L2 on a bus: the shared store with hooks and faults, and
// an Invalidator that hides its own messages (as drivers/redis's Subscribe does).
type busL2 struct {
	*memory.Adapter
	b  *bus
	id string

	failing   atomic.Bool // every call returns errDown
	hang      atomic.Bool // every call waits for its ctx to end, like a frozen server
	pubFails  atomic.Bool // Publish returns errDown
	closed    atomic.Bool
	published atomic.Int64

	// afterRead, when set, runs in GetWithTTL after the value was read and before
	// it is returned: the place where a racing invalidation hurts.
	afterRead atomic.Pointer[func(key string)]
	// beforeSet / afterSet run in Set around the store's write.
	beforeSet atomic.Pointer[func(key string, value []byte)]
	afterSet  atomic.Pointer[func(key string, value []byte)]
}

var busIDs atomic.Int64

func (b *bus) l2() *busL2 {
	return &busL2{Adapter: b.store, b: b, id: fmt.Sprint("p", busIDs.Add(1))}
}

func (l *busL2) check(ctx context.Context) error {
	if l.closed.Load() {
		return adapter.ErrClosed
	}
	if l.hang.Load() {
		// Like a socket read on a frozen server: it ends at ctx's deadline,
		// which may come a moment before ctx's own timer fires.
		d, ok := ctx.Deadline()
		if !ok {
			<-ctx.Done()
			return ctx.Err()
		}
		select {
		case <-time.After(time.Until(d)):
			return context.DeadlineExceeded
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if l.failing.Load() {
		return errDown
	}
	return nil
}

func (l *busL2) Get(ctx context.Context, key string) ([]byte, error) {
	if err := l.check(ctx); err != nil {
		return nil, err
	}
	return l.Adapter.Get(ctx, key)
}

func (l *busL2) GetWithTTL(ctx context.Context, key string) ([]byte, time.Duration, error) {
	if err := l.check(ctx); err != nil {
		return nil, 0, err
	}
	v, ttl, err := l.Adapter.GetWithTTL(ctx, key)
	if f := l.afterRead.Load(); f != nil {
		(*f)(key)
	}
	return v, ttl, err
}

func (l *busL2) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	if err := l.check(ctx); err != nil {
		return nil, err
	}
	return l.Adapter.GetMany(ctx, keys)
}

func (l *busL2) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := l.check(ctx); err != nil {
		return err
	}
	if f := l.beforeSet.Load(); f != nil {
		(*f)(key, value)
	}
	err := l.Adapter.Set(ctx, key, value, ttl)
	if f := l.afterSet.Load(); f != nil {
		(*f)(key, value)
	}
	return err
}

func (l *busL2) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	if err := l.check(ctx); err != nil {
		return err
	}
	return l.Adapter.SetMany(ctx, items, ttl)
}

func (l *busL2) Remove(ctx context.Context, keys ...string) (bool, error) {
	if err := l.check(ctx); err != nil {
		return false, err
	}
	return l.Adapter.Remove(ctx, keys...)
}

func (l *busL2) UpdateTimeout(ctx context.Context, key string, ttl time.Duration) ([]byte, error) {
	if err := l.check(ctx); err != nil {
		return nil, err
	}
	return l.Adapter.UpdateTimeout(ctx, key, ttl)
}

func (l *busL2) Ping(ctx context.Context) error {
	if err := l.check(ctx); err != nil {
		return err
	}
	return l.Adapter.Ping(ctx)
}

func (l *busL2) Clear(ctx context.Context, prefix string) error {
	if err := l.check(ctx); err != nil {
		return err
	}
	return l.Adapter.Clear(ctx, prefix)
}

// Close detaches this "process" from the bus; the shared store stays open.
func (l *busL2) Close() error {
	l.closed.Store(true)
	l.b.mu.Lock()
	for s := range l.b.subs {
		if s.owner == l {
			delete(l.b.subs, s)
		}
	}
	l.b.mu.Unlock()
	return nil
}

func (l *busL2) Publish(ctx context.Context, keys ...string) error {
	if err := l.check(ctx); err != nil {
		return err
	}
	if err := adapter.CheckContext(ctx); err != nil {
		return err
	}
	if l.pubFails.Load() {
		return errDown
	}
	l.published.Add(1)
	if l.b.deaf.Load() {
		return nil
	}
	l.b.mu.Lock()
	subs := make([]*busSub, 0, len(l.b.subs))
	for s := range l.b.subs {
		if s.owner != l || s.all {
			subs = append(subs, s)
		}
	}
	l.b.mu.Unlock()
	for _, s := range subs {
		s.mu.Lock()
		s.onInvalidate(l.id, keys)
		s.mu.Unlock()
	}
	return nil
}

func (l *busL2) subscribe(ctx context.Context, all bool, onInvalidate func(string, []string), onReset func()) (func(), error) {
	if err := l.check(ctx); err != nil {
		return nil, err
	}
	s := &busSub{owner: l, all: all, onInvalidate: onInvalidate, onReset: onReset}
	l.b.mu.Lock()
	l.b.subs[s] = struct{}{}
	l.b.mu.Unlock()
	return func() {
		l.b.mu.Lock()
		delete(l.b.subs, s)
		l.b.mu.Unlock()
	}, nil
}

func (l *busL2) Subscribe(ctx context.Context, onInvalidate func([]string), onReset func()) (func(), error) {
	return l.subscribe(ctx, false, func(_ string, keys []string) { onInvalidate(keys) }, onReset)
}

// busL2All is a busL2 whose subscription can also deliver its own messages, like
// drivers/redis's SubscribeAll: the layered adapter then confirms a subscription
// end to end with probes.
type busL2All struct{ *busL2 }

func (l busL2All) SubscribeAll(ctx context.Context, onInvalidate func(string, []string), onReset func()) (func(), error) {
	return l.subscribe(ctx, true, onInvalidate, onReset)
}

func (l busL2All) InstanceID() string { return l.id }

// plainL2 hides every capability of the adapter it wraps but the Adapter methods.
type plainL2 struct{ adapter.Adapter }

// newMem returns a memory adapter (closed at the end of the test).
func newMem(t testing.TB, opts *memory.Options) *memory.Adapter {
	t.Helper()
	m, err := memory.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// newLayered returns New(l1, l2, opts), closed at the end of the test.
func newLayered(t testing.TB, l1, l2 adapter.Adapter, opts *Options) *Adapter {
	t.Helper()
	a, err := New(l1, l2, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// process is one simulated process on a bus: its layered adapter, L1 and L2.
type process struct {
	*Adapter
	mem *memory.Adapter
	bl2 *busL2

	invalidations atomic.Int64
	resets        atomic.Int64
}

func (b *bus) process(t *testing.T, all bool, opts *Options) *process {
	t.Helper()
	p := &process{mem: newMem(t, nil), bl2: b.l2()}
	var o Options
	if opts != nil {
		o = *opts
	}
	o.OnInvalidate = func([]string) { p.invalidations.Add(1) }
	o.OnReset = func() { p.resets.Add(1) }
	var l2 adapter.Adapter = p.bl2
	if all {
		l2 = busL2All{p.bl2}
	}
	p.Adapter = newLayered(t, p.mem, l2, &o)
	return p
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// inBubble returns a test function that runs f in a synctest bubble (for t.Run):
// time in it is fake, so the supervisor's backoff and probe waits take none, and
// eventually's polls below are fake sleeps too.
func inBubble(f func(t *testing.T)) func(t *testing.T) {
	return func(t *testing.T) { synctest.Test(t, f) }
}

// eventually polls cond until it holds or d passes. In a synctest bubble its sleeps
// are fake; tests against real servers poll in real time.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// inL1 returns what l1 holds under key ("" and false for nothing).
func inL1(t testing.TB, l1 adapter.Adapter, key string) (string, bool) {
	t.Helper()
	v, err := l1.Get(context.Background(), key)
	if errors.Is(err, adapter.ErrNotFound) {
		return "", false
	}
	if err != nil {
		t.Fatalf("L1 Get(%q): %v", key, err)
	}
	return string(v), true
}
