package layered

import (
	"strings"
	"testing"
	"time"
)

func TestLivenessAndInvalidationParameters(t *testing.T) {
	o, err := ParseURL(layeredURL("l2="+esc("memory://"), "liveness=250ms", "invalidation=false"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Options.Liveness != 250*time.Millisecond || !o.Options.NoInvalidation {
		t.Errorf("liveness=250ms&invalidation=false parsed as %+v", o.Options)
	}
	for _, bad := range []string{"liveness=soon", "invalidation=maybe"} {
		if _, err := ParseURL(layeredURL("l2="+esc("memory://"), bad)); err == nil || !strings.Contains(err.Error(), strings.Split(bad, "=")[0]) {
			t.Errorf("%s: %v; want an error naming the parameter", bad, err)
		}
	}
}

func TestLivenessDefault(t *testing.T) {
	for _, tc := range []struct{ l1TTL, liveness, want time.Duration }{
		{0, 0, DefaultLiveness},                                       // L1TTL 1m: capped at 2s
		{4 * time.Second, 0, time.Second},                             // L1TTL/4
		{100 * time.Millisecond, 0, minDefaultLiveness},               // floored at 100ms
		{time.Minute, 300 * time.Millisecond, 300 * time.Millisecond}, // as given
	} {
		a := newLayered(t, newMem(t, nil), newMem(t, nil), &Options{L1TTL: tc.l1TTL, Liveness: tc.liveness})
		if a.liveness != tc.want {
			t.Errorf("L1TTL %v, Liveness %v: liveness %v, want %v", tc.l1TTL, tc.liveness, a.liveness, tc.want)
		}
	}
	if _, err := New(newMem(t, nil), newMem(t, nil), &Options{Liveness: -time.Second}); err == nil || !strings.Contains(err.Error(), "Liveness") {
		t.Errorf("a negative Liveness: %v", err)
	}
}

// TestNoInvalidation: with Options.NoInvalidation the adapter neither subscribes
// nor publishes, even over an Invalidator, and serves L1 (L1TTL bounds staleness).
func TestNoInvalidation(t *testing.T) {
	ctx := ctxT(t)
	b := newBus(t)
	other := b.process(t, false, nil)
	p := b.process(t, true, &Options{NoInvalidation: true})
	if err := p.Set(ctx, "k", []byte("v1"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := p.bl2.published.Load(); n != 0 {
		t.Errorf("%d publications without invalidation", n)
	}
	if other.invalidations.Load() != 0 {
		t.Error("another process received an invalidation")
	}
	if err := other.Set(ctx, "k", []byte("v2"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if v, err := p.Get(ctx, "k"); err != nil || string(v) != "v1" {
		t.Errorf("Get = %q, %v; want L1's copy: nothing is subscribed", v, err)
	}
	if !p.Healthy() || p.resets.Load() != 0 {
		t.Errorf("healthy %v, %d resets", p.Healthy(), p.resets.Load())
	}
}
