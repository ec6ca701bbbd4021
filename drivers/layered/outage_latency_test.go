package layered

import (
	"context"
	"net/url"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// outageCalls is how many Gets BenchmarkOutageLatency makes per driver.
const outageCalls = 200

// BenchmarkOutageLatency measures (it asserts nothing about time) how long a
// strata.Cache Get takes while its Redis is killed: through drivers/redis directly
// and through a layered cache with serve_stale=true whose L1 holds the key. Each
// iteration is a whole outage; run one:
//
//	go test -run '^$' -bench BenchmarkOutageLatency -benchtime 1x -v ./drivers/layered
func BenchmarkOutageLatency(b *testing.B) {
	for b.Loop() {
		measureOutage(b, outageCalls)
	}
}

func measureOutage(t testing.TB, n int) {
	srv := redistest.StartServer(t, nil)
	ctx := context.Background()
	prefix := redistest.RandomPrefix()
	redisURL := withParams(srv.URL(), "prefix="+url.QueryEscape(prefix))
	layeredURL := "layered://?serve_stale=true&l2=" + url.QueryEscape(withParams(srv.URL(), "prefix="+url.QueryEscape(prefix+"l:")))
	caches := []struct {
		name string
		url  string
	}{{"redis", redisURL}, {"layered serve_stale", layeredURL}}
	var open []*strata.Cache[string]
	for _, c := range caches {
		cache, err := strata.Open[string](ctx, c.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cache.Close() })
		if err := cache.Set(ctx, "k", "v", time.Hour); err != nil {
			t.Fatal(err)
		}
		if v, err := cache.Get(ctx, "k"); err != nil || v != "v" {
			t.Fatalf("%s: Get before the kill = %q, %v", c.name, v, err)
		}
		open = append(open, cache)
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	for i, c := range caches {
		took := make([]time.Duration, n)
		var errs, stale int
		for j := range took {
			start := time.Now()
			v, err := open[i].Get(ctx, "k")
			took[j] = time.Since(start)
			if err != nil {
				errs++
			} else if v == "v" {
				stale++
			}
		}
		slices.Sort(took)
		slow := n - sort.Search(n, func(i int) bool { return took[i] > 100*time.Millisecond })
		t.Logf("%s, Redis killed, %d Gets (ctx without deadline): p50 %v, p90 %v, p99 %v, max %v; %d over 100ms; %d errors, %d answered from L1",
			c.name, n, took[n/2], took[n*90/100], took[n*99/100], took[n-1], slow, errs, stale)
	}
}
