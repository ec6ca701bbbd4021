package layered

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
)

// TestCoherentOverClusterAndSentinel runs two processes' worth of layered adapters
// over a 3-master Redis Cluster and over Sentinel: each write, removal and Clear by
// one reaches the other's L1 through L2's pub/sub, on keys spread over every master.
func TestCoherentOverClusterAndSentinel(t *testing.T) {
	topologies := []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"cluster", func(t *testing.T) string { return redistest.StartCluster(t, nil).URL() }},
		{"sentinel", func(t *testing.T) string { return redistest.StartSentinel(t, nil).URL() }},
	}
	for _, topo := range topologies {
		t.Run(topo.name, func(t *testing.T) {
			ctx := ctxT(t)
			url, prefix := topo.url(t), redistest.RandomPrefix()
			writer, _ := overRedis(t, url, prefix, nil)
			reader := observe(t, url, prefix, Options{})
			eventually(t, 10*time.Second, "both adapters healthy", func() bool {
				return writer.Healthy() && reader.Healthy()
			})

			// 32 keys land on every master of the cluster (16384 slots in 3 ranges).
			keys := make([]string, 32)
			for i := range keys {
				keys[i] = fmt.Sprintf("key-%d", i)
			}
			check := func(what string, want func(key string) string) {
				t.Helper()
				for _, k := range keys {
					eventually(t, 10*time.Second, fmt.Sprintf("%s: %s in the reader", what, k), func() bool {
						v, err := reader.Get(ctx, k)
						if errors.Is(err, adapter.ErrNotFound) {
							return want(k) == ""
						}
						return err == nil && string(v) == want(k)
					})
				}
			}
			write := func(version string) {
				t.Helper()
				for _, k := range keys {
					if err := writer.Set(ctx, k, []byte(k+"@"+version), time.Hour); err != nil {
						t.Fatal(err)
					}
				}
			}

			write("v1")
			// Let the writes' own invalidations arrive first: one that comes in
			// while the reader back-fills a key rightly discards the back-fill.
			eventually(t, 10*time.Second, "the reader receives 32 invalidations", func() bool {
				return reader.drops.Load() >= int64(len(keys))
			})
			check("first write", func(k string) string { return k + "@v1" })
			for _, k := range keys {
				eventually(t, 10*time.Second, "the reader's L1 holds "+k, func() bool {
					_, _ = reader.Get(ctx, k) // back-fills L1
					v, ok := inL1(t, reader.l1, k)
					return ok && v == k+"@v1"
				})
			}
			write("v2") // the reader must drop its L1 copies of v1
			check("overwrite", func(k string) string { return k + "@v2" })

			if _, err := writer.Remove(ctx, keys[:16]...); err != nil {
				t.Fatal(err)
			}
			check("removal", func(k string) string {
				if slices.Index(keys, k) < 16 {
					return ""
				}
				return k + "@v2"
			})

			if err := writer.Clear(ctx, ""); err != nil {
				t.Fatal(err)
			}
			check("clear", func(string) string { return "" })
		})
	}
}
