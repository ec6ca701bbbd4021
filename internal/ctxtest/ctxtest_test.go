package ctxtest

import (
	"context"
	"testing"
	"time"
)

func TestTimerLateNeverEnds(t *testing.T) {
	at := time.Now().Add(-time.Second)
	ctx := TimerLate(context.WithValue(context.Background(), t, "v"), at)
	if d, ok := ctx.Deadline(); !ok || !d.Equal(at) {
		t.Errorf("Deadline() = %v, %v; want %v, true", d, ok, at)
	}
	if ctx.Err() != nil || ctx.Done() != nil {
		t.Errorf("Err() = %v, Done() = %v; want nil, nil after the deadline", ctx.Err(), ctx.Done())
	}
	if ctx.Value(t) != "v" {
		t.Error("values of the parent are lost")
	}
}
