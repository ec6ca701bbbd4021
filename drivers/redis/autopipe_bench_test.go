package redis

import (
	"context"
	"testing"
	"time"
)

// BenchmarkAutoPipeline compares Get and Set with Options.AutoPipeline on and off
// with go-redis directly and with go-redis's own blocking autopipeliner, serially
// and with 64 goroutines (SetParallelism(32) on 2 procs; more procs, more):
//
//	go test ./drivers/redis -run '^$' -bench AutoPipeline -benchtime 200ms -count 4 > ap.txt
//	benchstat -col /impl ap.txt
func BenchmarkAutoPipeline(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	on, err := New(e.rdb, &Options{Prefix: benchPrefix, AutoPipeline: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = on.Close() })
	off, err := New(e.rdb, &Options{Prefix: benchPrefix})
	if err != nil {
		b.Fatal(err)
	}
	gap, err := e.rdb.AutoPipeline()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = gap.Close() })
	type impl struct {
		name string
		get  func() error
		set  func() error
	}
	impls := []impl{
		{"strata-autopipeline",
			func() error { _, err := on.Get(ctx, "k"); return err },
			func() error { return on.Set(ctx, "k", e.value, time.Hour) }},
		{"strata",
			func() error { _, err := off.Get(ctx, "k"); return err },
			func() error { return off.Set(ctx, "k", e.value, time.Hour) }},
		{"goredis",
			func() error { return e.rdb.Get(ctx, benchPrefix+"k").Err() },
			func() error { return e.rdb.Set(ctx, benchPrefix+"k", e.value, time.Hour).Err() }},
		{"goredis-autopipeline",
			func() error { return gap.Get(ctx, benchPrefix+"k").Err() },
			func() error { return gap.Set(ctx, benchPrefix+"k", e.value, time.Hour).Err() }},
	}
	for _, op := range []string{"Get", "Set"} {
		for _, par := range []int{0, 32} {
			for _, im := range impls {
				f := im.get
				if op == "Set" {
					f = im.set
				}
				name := op + "/serial"
				if par > 0 {
					name = op + "/parallel"
				}
				b.Run(name+"/impl="+im.name, func(b *testing.B) {
					if par == 0 {
						for b.Loop() {
							if err := f(); err != nil {
								b.Fatal(err)
							}
						}
						return
					}
					b.SetParallelism(par)
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := f(); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			}
		}
	}
}
