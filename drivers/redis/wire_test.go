package redis

import (
	"errors"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

func TestProviders(t *testing.T) {
	ctx := ctxT(t)
	a, cleanup, err := ProvideURL(ctx, URL(withParams(serverURL(t), "prefix="+redistest.RandomPrefix())))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	c := a.Client()
	cleanup()
	if _, err := a.Get(ctx, "k"); !errors.Is(err, adapter.ErrClosed) {
		t.Errorf("after cleanup: %v", err)
	}
	if c.Ping(ctx).Err() == nil {
		t.Error("the cleanup of ProvideURL left its client open")
	}
	if _, _, err := ProvideURL(ctx, "redis://h/0?bogus=1"); err == nil {
		t.Error("a bad URL was accepted")
	}

	rdb := client(t, serverURL(t))
	b, cleanup, err := ProvideClient(rdb, &Options{Prefix: redistest.RandomPrefix()})
	if err != nil {
		t.Fatal(err)
	}
	cleanup()
	if _, err := b.Get(ctx, "k"); !errors.Is(err, adapter.ErrClosed) {
		t.Errorf("after cleanup: %v", err)
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Errorf("the cleanup of ProvideClient closed the caller's client: %v", err)
	}
}
