package memory

import (
	"sync/atomic"
	"testing"
	"time"
)

// close does not wait for a call in flight; the call's leave runs release, once; and
// calls refused after close leave every counter untouched.
func TestGateReleasesAfterTheLastCall(t *testing.T) {
	var released atomic.Int32
	done := make(chan struct{})
	g := &gate{release: func() {
		if released.Add(1) == 1 {
			close(done)
		}
	}}
	s := g.enter()
	if s == nil {
		t.Fatal("enter on an open gate returned nil")
	}
	closed := make(chan bool)
	go func() { closed <- g.close() }()
	select {
	case ok := <-closed:
		if !ok {
			t.Fatal("the first close reported false")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("close waited 5s for a call in flight")
	}
	if n := released.Load(); n != 0 {
		t.Fatalf("release ran %d times with a call in flight", n)
	}
	for range 100 {
		if g.enter() != nil {
			t.Fatal("enter after close returned a slot")
		}
	}
	if s.n.Load() != 1 {
		t.Fatalf("refused calls changed the counter of the call in flight: %d", s.n.Load())
	}
	g.leave(s)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("release did not run 5s after the last call left")
	}
	if g.close() {
		t.Error("a second close reported true")
	}
	if n := released.Load(); n != 1 {
		t.Errorf("release ran %d times; want once", n)
	}
}
