package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Every benchmark is named Benchmark<Workload>/<param>=<value>/.../subject=<name>
// with the subject last and innermost, so a round runs every subject of a
// workload back to back (benchstat: -col /subject). No benchmark asserts a
// time; cmd/report turns the output of several rounds into RESULTS.md.

var sizes = []int{Small, Large}

// hotShapes are the value sizes and goroutine counts of the hot-key Get and
// Set workloads: 100 B at 1, 16 and 64 goroutines, 10 KiB serial (the large
// value targets are serial; a round stays short).
var hotShapes = []struct{ size, conc int }{{Small, 1}, {Small, 16}, {Small, 64}, {Large, 1}}

// redisVariants are the Redis workload's variants: GET and SET spread over the
// RedisKeys working set and on one hot key, and a 90/10 GET/SET mix over the
// working set.
var redisVariants = []struct {
	op   string // get, set, or mix (ZipfWrite: one op in ten is a SET)
	keys int    // RedisKeys, or 1 for the hot key
}{{"get", RedisKeys}, {"get", 1}, {"set", RedisKeys}, {"set", 1}, {"mix", RedisKeys}}

// redisConcs are the Redis workload's goroutine counts.
var redisConcs = []int{1, 4, 16, 64, 256}

// inRoundOrder returns fs rotated by the round number run.sh passes in
// BENCH_ROUND (1, 2, ...), so that over the rounds every subject runs at every
// position of a workload: no subject always runs first, or always right after
// the same other subject's garbage.
func inRoundOrder[V any](fs []Factory[V]) []Factory[V] {
	round, _ := strconv.Atoi(os.Getenv("BENCH_ROUND"))
	if round <= 1 || len(fs) == 0 {
		return fs
	}
	k := (round - 1) % len(fs)
	return append(append([]Factory[V]{}, fs[k:]...), fs[:k]...)
}

// checkLen is the check every read does: it keeps the read from being
// optimised away and catches a subject returning something else.
func checkLen(b []byte, size int) error {
	if len(b) != size {
		return fmt.Errorf("got %d bytes, want %d", len(b), size)
	}
	return nil
}

// BenchmarkRedis: the Redis client targets. GET, SET and a 90/10 GET/SET mix
// of 100 B values at 1, 4, 16, 64 and 256 goroutines, spread over a working
// set of RedisKeys keys (RedisSpread) or on one hot key, for Strata on Redis,
// plain go-redis and rueidis. Each is its own benchmark, every subject once a
// round; cmd/report compares throughputs within a round and takes the median
// over rounds.
func BenchmarkRedis(b *testing.B) {
	ctx := context.Background()
	keys, hot := RedisKeyList(), []string{RedisHotKey}
	for _, vr := range redisVariants {
		for _, conc := range redisConcs {
			for _, f := range inRoundOrder(RedisSubjects) {
				b.Run(fmt.Sprintf("op=%s/keys=%d/conc=%d/subject=%s", vr.op, vr.keys, conc, f.Name), func(b *testing.B) {
					defer env.Recover()
					s := open(b, f)
					ks := keys
					if vr.keys == 1 {
						ks = hot
					}
					if err := env.PreloadRedis(ctx, "redis", keys, Small); err != nil {
						b.Fatal(err)
					}
					if err := env.PreloadRedis(ctx, "redis-hot", hot, Small); err != nil {
						b.Fatal(err)
					}
					v, n := Value(Small), len(ks)
					measure(b, conc, true, func(i int) error {
						k := ks[RedisSpread(i, n)]
						if vr.op == "set" || (vr.op == "mix" && ZipfWrite(i)) {
							return s.Set(ctx, k, v)
						}
						got, err := s.Get(ctx, k)
						if err != nil {
							return err
						}
						return checkLen(got, Small)
					})
				})
			}
		}
	}
}

// BenchmarkClusterGet: GET of 100 B values spread over RedisKeys keys on the
// 3-master cluster, 64 goroutines, Strata against rueidis' cluster client.
func BenchmarkClusterGet(b *testing.B) {
	ctx := context.Background()
	keys := RedisKeyList()
	const conc = 64
	for _, f := range inRoundOrder(ClusterSubjects) {
		b.Run(fmt.Sprintf("keys=%d/conc=%d/subject=%s", len(keys), conc, f.Name), func(b *testing.B) {
			defer env.Recover()
			s := open(b, f)
			// Both subjects write the same raw bytes to the same cluster: one fill serves both.
			err := env.Once("cluster-keys", func() error {
				v := Value(Small)
				return each(keys, conc, func(k string) error { return s.Set(ctx, k, v) })
			})
			if err != nil {
				b.Fatal(err)
			}
			measure(b, conc, true, func(i int) error {
				got, err := s.Get(ctx, keys[RedisSpread(i, len(keys))])
				if err != nil {
					return err
				}
				return checkLen(got, Small)
			})
		})
	}
}

// BenchmarkGet: a hit on one hot key (hotShapes), every subject, and Strata's
// in-process subjects through Cache.View (ViewSubjects: the callback checks
// the length of the bytes lent, as the others' check the bytes returned).
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	subjects := append(append([]Factory[[]byte]{}, BytesSubjects...), ViewSubjects...)
	for _, sh := range hotShapes {
		size, conc := sh.size, sh.conc
		for _, f := range inRoundOrder(subjects) {
			b.Run(fmt.Sprintf("size=%s/conc=%d/subject=%s", SizeName(size), conc, f.Name), func(b *testing.B) {
				defer env.Recover()
				s := open(b, f)
				key := "h:" + f.Name + ":" + SizeName(size)
				ensure(b, s, key, Value(size))
				op := func(int) error {
					v, err := s.Get(ctx, key)
					if err != nil {
						return err
					}
					return checkLen(v, size)
				}
				if vw, ok := s.(Viewer); ok {
					check := func(v []byte) error { return checkLen(v, size) }
					op = func(int) error { return vw.View(ctx, key, check) }
				}
				measure(b, conc, f.Tier == Remote, op)
			})
		}
	}
}

// pairs are the serial targets measured pairwise: a Strata subject and the
// baseline it is held to, and how many Gets each makes per turn. A round trip
// is long enough to time alone; in-process hits are timed in blocks, so that
// the two clock reads of a turn (~30 ns each on kvm-clock) stay negligible.
var pairs = []struct {
	subject, base Factory[[]byte]
	block         int
}{
	{StrataRedis, Goredis, 1},
	{StrataMemory, Ristretto, 256},
	{StrataLayered, RueidisCache, 256},
}

// BenchmarkGetPaired: the serial Get targets measured pairwise. Each iteration
// makes a turn of Gets on the subject and a turn on its baseline, in alternating
// order, and times each turn, so the machine's slow and fast phases hit both
// alike. On a loaded VM a round trip's mean drifts by more than 20% from one
// second to the next, and an allocating in-process hit (Strata returns a copy)
// swings by 1.5-2x between runs while raw ristretto barely moves: BenchmarkGet's
// serial rows, measured one after the other, cannot resolve the ratios the
// targets allow. "mean-ratio" (the subject's total time over the baseline's in
// the same iterations) can; the report checks those targets on it.
func BenchmarkGetPaired(b *testing.B) {
	ctx := context.Background()
	for _, size := range sizes {
		for _, pair := range pairs {
			b.Run(fmt.Sprintf("size=%s/subject=%s", SizeName(size), pair.subject.Name), func(b *testing.B) {
				defer env.Recover()
				s, base := open(b, pair.subject), open(b, pair.base)
				key := "p:" + pair.subject.Name + ":" + SizeName(size)
				ensure(b, s, key, Value(size))
				ensure(b, base, key, Value(size))
				var ts, tb time.Duration
				turn := func(x Subject[[]byte], total *time.Duration) {
					t0 := time.Now()
					for range pair.block {
						v, err := x.Get(ctx, key)
						if err == nil {
							err = checkLen(v, size)
						}
						if err != nil {
							b.Fatalf("%s: %v", x.Name(), err)
						}
					}
					*total += time.Since(t0)
				}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					if i%2 == 0 {
						turn(s, &ts)
						turn(base, &tb)
					} else {
						turn(base, &tb)
						turn(s, &ts)
					}
				}
				b.ReportMetric(float64(ts)/float64(tb), "mean-ratio")
			})
		}
	}
}

// BenchmarkSet: overwriting one hot key (hotShapes), every subject.
func BenchmarkSet(b *testing.B) {
	ctx := context.Background()
	for _, sh := range hotShapes {
		size, conc := sh.size, sh.conc
		for _, f := range inRoundOrder(BytesSubjects) {
			b.Run(fmt.Sprintf("size=%s/conc=%d/subject=%s", SizeName(size), conc, f.Name), func(b *testing.B) {
				defer env.Recover()
				s := open(b, f)
				key := "s:" + f.Name + ":" + SizeName(size)
				v := Value(size)
				measure(b, conc, f.Tier != Local, func(int) error { return s.Set(ctx, key, v) })
			})
		}
	}
}

// BenchmarkZipf: 90% Get, 10% Set over 100k keys of 100 B drawn from
// Zipf(1.01), 16 goroutines; the hybrid subjects start with their local copies
// filled. A miss (an in-process cache that dropped or evicted a key) counts as
// an operation; miss-% reports how many reads missed.
func BenchmarkZipf(b *testing.B) {
	ctx := context.Background()
	const conc, size = 16, Small
	keys := ZipfKeyList()
	ZipfDraw(0) // build the draw table outside any timing
	for _, f := range inRoundOrder(BytesSubjects) {
		b.Run(fmt.Sprintf("size=%s/conc=%d/subject=%s", SizeName(size), conc, f.Name), func(b *testing.B) {
			defer env.Recover()
			s := open(b, f)
			var err error
			switch f.Tier {
			case Local:
				err = env.Once("zipf:"+f.Name, func() error {
					_, err := loadLocal(s, keys, size, false)
					return err
				})
			default:
				err = env.PreloadRedis(ctx, "zipf", keys, size)
				if err == nil && f.Tier == Hybrid {
					err = env.Once("zipf-warm:"+f.Name, func() error { return warm(s, keys, 16) })
				}
			}
			if err != nil {
				b.Fatal(err)
			}
			v := Value(size)
			var misses atomic.Int64
			measure(b, conc, f.Tier != Local, func(i int) error {
				k := keys[ZipfDraw(i)]
				if ZipfWrite(i) {
					return s.Set(ctx, k, v)
				}
				got, err := s.Get(ctx, k)
				if errors.Is(err, ErrMiss) {
					misses.Add(1)
					return nil
				}
				if err != nil {
					return err
				}
				return checkLen(got, size)
			})
			if reads := b.N - b.N/10; reads > 0 { // ZipfWrite: one op in ten
				b.ReportMetric(100*float64(misses.Load())/float64(reads), "miss-%")
			}
		})
	}
}

// batchSubjects are the subjects with a native multi-key read.
func batchSubjects() []Factory[[]byte] {
	var fs []Factory[[]byte]
	for _, f := range append(append([]Factory[[]byte]{}, BytesSubjects...), ClusterSubjects...) {
		if f.Name == "gocache-chain" || f.Name == "goredis-cache" || f.Name == "gocache-redis" {
			continue // no multi-key read
		}
		fs = append(fs, f)
	}
	return fs
}

// prepareBatch loads the 100 batch keys for s and reads each once (filling
// hybrid subjects' local copies). It reports false for subjects without a
// multi-key read.
func prepareBatch(b *testing.B, f Factory[[]byte], keys []string) (Subject[[]byte], bool) {
	ctx := context.Background()
	s := open(b, f)
	if _, ok := s.(ManyGetter); !ok {
		return s, false
	}
	var err error
	switch {
	case f.Tier == Local || f.Name == StrataRedisCluster.Name || f.Name == RueidisCluster.Name:
		// In-process, or the cluster (which only these subjects use).
		err = env.Once("batch:"+f.Name, func() error {
			n, err := loadLocal(s, keys, Small, false)
			if err == nil && n != len(keys) {
				err = fmt.Errorf("%s: only %d of %d batch keys stored", f.Name, n, len(keys))
			}
			return err
		})
	default:
		err = env.PreloadRedis(ctx, "batch", keys, Small)
	}
	if err == nil {
		err = env.Once("batch-warm:"+f.Name, func() error { return warm(s, keys, 1) })
	}
	if err != nil {
		b.Fatal(err)
	}
	return s, true
}

// BenchmarkGetMany: one multi-key read of 100 keys of 100 B (MGET or the
// library's batch), against BenchmarkGetSeq, the same 100 keys read one Get
// at a time. One op is 100 keys in both.
func BenchmarkGetMany(b *testing.B) {
	ctx := context.Background()
	keys := BatchKeys(100)
	for _, f := range inRoundOrder(batchSubjects()) {
		b.Run(fmt.Sprintf("keys=%d/subject=%s", len(keys), f.Name), func(b *testing.B) {
			defer env.Recover()
			s, ok := prepareBatch(b, f, keys)
			if !ok {
				b.Skipf("%s has no multi-key read", f.Name)
			}
			mg := s.(ManyGetter)
			measure(b, 1, f.Tier == Remote, func(int) error {
				n, err := mg.GetMany(ctx, keys)
				if err == nil && n != len(keys) {
					err = fmt.Errorf("GetMany found %d of %d keys", n, len(keys))
				}
				return err
			})
		})
	}
}

// BenchmarkGetSeq: the 100 keys of BenchmarkGetMany read with 100 sequential
// Gets (one op).
func BenchmarkGetSeq(b *testing.B) {
	ctx := context.Background()
	keys := BatchKeys(100)
	for _, f := range inRoundOrder(batchSubjects()) {
		b.Run(fmt.Sprintf("keys=%d/subject=%s", len(keys), f.Name), func(b *testing.B) {
			defer env.Recover()
			s, ok := prepareBatch(b, f, keys)
			if !ok {
				b.Skipf("%s has no multi-key read", f.Name)
			}
			measure(b, 1, f.Tier == Remote, func(int) error {
				for _, k := range keys {
					v, err := s.Get(ctx, k)
					if err != nil {
						return err
					}
					if err := checkLen(v, Small); err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
}

var errLoaderCalled = errors.New("loader called on a hit")

// BenchmarkGetOrSet: a read-through call on a key that is present (a hit: the
// loader must not run), serial, for the subjects that have one.
func BenchmarkGetOrSet(b *testing.B) {
	ctx := context.Background()
	const size = Small
	for _, f := range inRoundOrder(BytesSubjects) {
		b.Run(fmt.Sprintf("size=%s/subject=%s", SizeName(size), f.Name), func(b *testing.B) {
			defer env.Recover()
			s := open(b, f)
			gs, ok := s.(GetOrSetter[[]byte])
			if !ok {
				b.Skipf("%s has no read-through call", f.Name)
			}
			key := "g:" + f.Name
			ensure(b, s, key, Value(size))
			load := func() ([]byte, error) { return nil, errLoaderCalled }
			measure(b, 1, f.Tier == Remote, func(int) error {
				v, err := gs.GetOrSet(ctx, key, load)
				if err != nil {
					return err
				}
				return checkLen(v, size)
			})
		})
	}
}

// BenchmarkTypedGet: a hit on one key holding an Item, returned as the struct
// (msgpack for Strata, go-redis/cache and gocache's Marshaler; the peers decode
// every hit, Strata's in-process subjects copy a kept decoded value, and
// strata-memory-decode decodes every hit too).
func BenchmarkTypedGet(b *testing.B) {
	ctx := context.Background()
	want := SampleItem()
	for _, conc := range []int{1, 64} {
		for _, f := range inRoundOrder(TypedSubjects) {
			b.Run(fmt.Sprintf("conc=%d/subject=%s", conc, f.Name), func(b *testing.B) {
				defer env.Recover()
				s := open(b, f)
				key := "t:" + f.Name
				ensure(b, s, key, want)
				measure(b, conc, f.Tier == Remote, func(int) error {
					v, err := s.Get(ctx, key)
					if err == nil && (v.ID != want.ID || len(v.Tags) != len(want.Tags)) {
						err = fmt.Errorf("got %+v", v)
					}
					return err
				})
			})
		}
	}
}

// BenchmarkTypedSet: storing an Item under one key, serial.
func BenchmarkTypedSet(b *testing.B) {
	ctx := context.Background()
	v := SampleItem()
	for _, f := range inRoundOrder(TypedSubjects) {
		b.Run(fmt.Sprintf("conc=1/subject=%s", f.Name), func(b *testing.B) {
			defer env.Recover()
			s := open(b, f)
			key := "u:" + f.Name
			measure(b, 1, f.Tier != Local, func(int) error { return s.Set(ctx, key, v) })
		})
	}
}

// BenchmarkMemoryPerEntry: heap bytes per entry of the in-process caches after
// loading 100k entries of 100 B (each value a fresh allocation, as values read
// from a network would be; keys allocated beforehand and not counted):
// runtime.GC and runtime.ReadMemStats before creating the cache and after
// loading it. B/entry divides by the entries still resident. The ns/op of
// this benchmark is the time of one measurement and means nothing.
func BenchmarkMemoryPerEntry(b *testing.B) {
	const entries, size = 100_000, Small
	keys := make([]string, entries)
	for i := range keys {
		keys[i] = fmt.Sprintf("e:%06d", i)
	}
	for _, f := range inRoundOrder(MemorySubjects) {
		b.Run(fmt.Sprintf("entries=%d/size=%s/subject=%s", entries, SizeName(size), f.Name), func(b *testing.B) {
			defer env.Recover()
			var perEntry, resident float64
			for range b.N {
				p, r, err := heapPerEntry(f, keys, size)
				if err != nil {
					b.Fatal(err)
				}
				perEntry += p
				resident += float64(r)
			}
			b.ReportMetric(perEntry/float64(b.N), "B/entry")
			b.ReportMetric(resident/float64(b.N), "entries")
		})
	}
}

func heapPerEntry(f Factory[[]byte], keys []string, size int) (float64, int, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := f.New(context.Background(), env)
	if err != nil {
		return 0, 0, err
	}
	defer s.Close()
	n, err := loadLocal(s, keys, size, true)
	if err != nil {
		return 0, 0, err
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	runtime.KeepAlive(keys)
	if n == 0 {
		return 0, 0, fmt.Errorf("%s: no entry resident", f.Name)
	}
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n), n, nil
}

// The stampede workload: StampedeCallers goroutines call GetOrSet on one cold
// key whose loader takes StampedeLoad.
const (
	StampedeCallers = 1000
	StampedeLoad    = 10 * time.Millisecond
)

// stampedeSeq numbers the stampedes of a process: every one gets a key never used before.
var stampedeSeq atomic.Int64

// BenchmarkStampede: one op is a stampede, StampedeCallers goroutines released
// together on one cold key, each calling GetOrSet with a loader that sleeps
// StampedeLoad. It reports the loads per stampede (loads/op, and max-loads, the
// most any stampede of the run made) and the callers' latencies, each from its
// own call to its answer (p50-ns, p99-ns, max-ns: exact, over every caller of
// every stampede of the run). Nothing is asserted; cmd/report checks one load and p99 within
// the loader's time + 2 ms. ns/op is a stampede's wall time, goroutine start-up
// included.
func BenchmarkStampede(b *testing.B) {
	ctx := context.Background()
	for _, f := range inRoundOrder(StampedeSubjects) {
		b.Run(fmt.Sprintf("callers=%d/load=%s/subject=%s", StampedeCallers, StampedeLoad, f.Name), func(b *testing.B) {
			defer env.Recover()
			s := open(b, f)
			gs, ok := s.(GetOrSetter[[]byte])
			if !ok {
				b.Skipf("%s has no read-through call", f.Name)
			}
			v := Value(Small)
			lat := make([]time.Duration, StampedeCallers)
			var (
				all             []time.Duration // every caller of every stampede: exact quantiles
				loads, maxLoads int64
			)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				key := fmt.Sprintf("st:%s:%d", f.Name, stampedeSeq.Add(1))
				var n atomic.Int64
				load := func() ([]byte, error) {
					n.Add(1)
					time.Sleep(StampedeLoad)
					return v, nil
				}
				var (
					wg       sync.WaitGroup
					firstErr atomic.Pointer[error]
					start    = make(chan struct{})
				)
				for c := range StampedeCallers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						defer env.Recover()
						<-start
						t0 := time.Now()
						got, err := gs.GetOrSet(ctx, key, load)
						lat[c] = time.Since(t0)
						if err == nil {
							err = checkLen(got, Small)
						}
						if err != nil {
							firstErr.CompareAndSwap(nil, &err)
						}
					}()
				}
				close(start)
				wg.Wait()
				if p := firstErr.Load(); p != nil {
					b.Fatal(*p)
				}
				all = append(all, lat...)
				loads += n.Load()
				maxLoads = max(maxLoads, n.Load())
			}
			b.StopTimer()
			b.ReportMetric(float64(loads)/float64(b.N), "loads/op")
			b.ReportMetric(float64(maxLoads), "max-loads")
			slices.Sort(all)
			at := func(q float64) float64 { return float64(all[min(len(all)-1, int(q*float64(len(all))))]) }
			b.ReportMetric(at(0.50), "p50-ns")
			b.ReportMetric(at(0.99), "p99-ns")
			b.ReportMetric(float64(all[len(all)-1]), "max-ns")
		})
	}
}
