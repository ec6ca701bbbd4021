package conformance

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
)

// problems collects what goroutines of a concurrency spec saw go wrong, so the
// spec can report it from its own goroutine.
type problems struct {
	mu   sync.Mutex
	list []string
	n    int
}

func (p *problems) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if len(p.list) < 20 {
		p.list = append(p.list, fmt.Sprintf(format, args...))
	}
}

func (p *problems) get() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n > len(p.list) {
		return append(slices.Clone(p.list), fmt.Sprintf("... and %d more", p.n-len(p.list)))
	}
	return slices.Clone(p.list)
}

// expectFinal checks that c holds exactly want (when the adapter may evict, a key
// may be missing, but a key that is present must hold its value from want), then
// removes every key.
func (s *suite) expectFinal(ctx context.Context, c *strata.Cache[string], want map[string]string) {
	GinkgoHelper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	got, err := c.GetMany(ctx, keys...)
	Expect(err).NotTo(HaveOccurred())
	if s.h.MayEvict {
		for k, v := range got {
			Expect(v).To(Equal(want[k]), "key %q", k)
		}
	} else {
		Expect(got).To(Equal(want))
	}
	for _, k := range keys {
		v, err := c.Get(ctx, k)
		if s.h.MayEvict && errors.Is(err, adapter.ErrNotFound) {
			continue
		}
		Expect(err).NotTo(HaveOccurred(), "key %q", k)
		Expect(v).To(Equal(want[k]), "key %q", k)
	}
	all, err := c.Remove(ctx, keys...)
	Expect(err).NotTo(HaveOccurred())
	if !s.h.MayEvict {
		Expect(all).To(BeTrue())
	}
	Expect(c.GetMany(ctx, keys...)).To(BeEmpty())
}

func (s *suite) describeConcurrency() {
	Describe("concurrency", func() {
		s.it("stays consistent under mixed operations on overlapping keys", func(ctx SpecContext) {
			const workers, ops, nkeys = 8, 250, 12
			c, a, pfx := s.str(nil), s.a, s.pfx // the goroutines must not read s
			names := make([]string, nkeys)
			for i := range names {
				names[i] = key(i)
			}
			var p problems
			checkErr := func(op, k string, err error) bool {
				if err != nil && !errors.Is(err, adapter.ErrNotFound) {
					p.add("%s(%q): %v", op, k, err)
				}
				return err == nil
			}
			checkVal := func(op, k, v string) {
				if !strings.HasPrefix(v, k+"=") {
					p.add("%s(%q) returned %q, which was never written under that key", op, k, v)
				}
			}
			seed := uint64(GinkgoRandomSeed())
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(seed, uint64(w)))
					for i := range ops {
						if ctx.Err() != nil {
							return
						}
						k, k2 := names[rng.IntN(nkeys)], names[rng.IntN(nkeys)]
						val := fmt.Sprintf("%s=%d/%d", k, w, i)
						switch rng.IntN(10) {
						case 0, 1:
							ttl := time.Hour
							if rng.IntN(2) == 0 {
								ttl = adapter.NoExpiration
							}
							checkErr("Set", k, c.Set(ctx, k, val, ttl))
						case 2, 3:
							if v, err := c.Get(ctx, k); checkErr("Get", k, err) {
								checkVal("Get", k, v)
							}
						case 4:
							_, err := c.Remove(ctx, k, k2)
							checkErr("Remove", k, err)
						case 5:
							if v, err := c.UpdateTimeout(ctx, k, time.Hour); checkErr("UpdateTimeout", k, err) {
								checkVal("UpdateTimeout", k, v)
							}
						case 6:
							v, err := c.GetOrSet(ctx, k, time.Hour, func(context.Context) (string, error) { return val, nil })
							if checkErr("GetOrSet", k, err) {
								checkVal("GetOrSet", k, v)
							}
						case 7:
							got, err := c.GetMany(ctx, k, k2)
							checkErr("GetMany", k, err)
							for gk, v := range got {
								checkVal("GetMany", gk, v)
							}
						case 8:
							items := map[string]string{k: val, k2: fmt.Sprintf("%s=%d/%d", k2, w, i)}
							checkErr("SetMany", k, c.SetMany(ctx, items, time.Hour))
						case 9:
							if b, err := a.Get(ctx, pfx+k); checkErr("driver Get", k, err) {
								checkVal("driver Get", k, string(b))
							}
						}
					}
				})
			}
			wg.Wait()
			Expect(p.get()).To(BeEmpty())

			final := map[string]string{}
			for _, k := range names {
				final[k] = k + "=final"
				Expect(c.Set(ctx, k, final[k], adapter.NoExpiration)).To(Succeed())
			}
			s.expectFinal(ctx, c, final)
		})

		s.it("keeps the last write of every key written concurrently", func(ctx SpecContext) {
			const workers, perWorker, rounds = 8, 25, 4
			c := s.str(nil)
			var p problems
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for r := range rounds {
						for i := range perWorker {
							k := fmt.Sprintf("w%d-%s", w, key(i))
							if err := c.Set(ctx, k, fmt.Sprintf("%s=round %d", k, r), time.Hour); err != nil {
								p.add("Set(%q): %v", k, err)
							}
						}
					}
				})
			}
			wg.Wait()
			Expect(p.get()).To(BeEmpty())
			want := map[string]string{}
			for w := range workers {
				for i := range perWorker {
					k := fmt.Sprintf("w%d-%s", w, key(i))
					want[k] = fmt.Sprintf("%s=round %d", k, rounds-1)
				}
			}
			s.expectFinal(ctx, c, want)
		})

		s.it("makes a write visible to other goroutines once it returns", func(ctx SpecContext) {
			c := s.str(nil)
			done := make(chan error)
			for i := range 50 {
				k := key(i)
				go func() { done <- c.Set(ctx, k, "v-"+k, time.Hour) }()
				Expect(<-done).To(Succeed())
				Expect(c.Get(ctx, k)).To(Equal("v-"+k), "after Set on another goroutine")
				go func() { _, err := c.Remove(ctx, k); done <- err }()
				Expect(<-done).To(Succeed())
				_, err := c.Get(ctx, k)
				Expect(err).To(MatchError(adapter.ErrNotFound), "after Remove on another goroutine")
				go func() { done <- c.Set(ctx, k, "again-"+k, time.Hour) }()
				Expect(<-done).To(Succeed())
				Expect(c.GetMany(ctx, k)).To(Equal(map[string]string{k: "again-" + k}))
			}
		})

		s.it("loads each of many keys once under concurrent GetOrSet", func(ctx SpecContext) {
			const nkeys, callers = 20, 5
			c, unit := s.str(nil), s.u
			counts := make([]atomic.Int32, nkeys)
			var p problems
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range nkeys {
				for range callers {
					wg.Go(func() {
						<-start
						k := key(i)
						v, err := c.GetOrSet(ctx, k, time.Hour, func(context.Context) (string, error) {
							counts[i].Add(1)
							time.Sleep(unit)
							return "loaded " + k, nil
						})
						if err != nil || v != "loaded "+k {
							p.add("GetOrSet(%q) = %q, %v", k, v, err)
						}
					})
				}
			}
			close(start)
			wg.Wait()
			Expect(p.get()).To(BeEmpty())
			for i := range counts {
				Expect(counts[i].Load()).To(BeEquivalentTo(1), "loader calls for %q", key(i))
			}
		})

		s.it("survives Close while other goroutines use the adapter", func(ctx SpecContext) {
			c := s.str(nil)
			var p problems
			expected := func(err error) bool {
				return err == nil || errors.Is(err, adapter.ErrNotFound) || errors.Is(err, adapter.ErrClosed)
			}
			stop := make(chan struct{})
			var stopOnce sync.Once
			DeferCleanup(func() { stopOnce.Do(func() { close(stop) }) }) // even if the spec fails
			stopped := func() bool {
				select {
				case <-stop:
					return true
				default:
					return ctx.Err() != nil
				}
			}
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					for i := 0; !stopped(); i++ {
						k := key((w + i) % 8)
						err := c.Set(ctx, k, k+"=v", time.Hour)
						if !expected(err) {
							p.add("Set(%q): %v", k, err)
						}
						if errors.Is(err, adapter.ErrClosed) {
							return
						}
						if _, err := c.Get(ctx, k); !expected(err) {
							p.add("Get(%q): %v", k, err)
						}
						if _, err := c.GetMany(ctx, k, key(i%8)); !expected(err) {
							p.add("GetMany(%q): %v", k, err)
						}
						if _, err := c.Remove(ctx, k); !expected(err) {
							p.add("Remove(%q): %v", k, err)
						}
					}
				})
			}
			sleepUntil(ctx, time.Now().Add(4*s.u))
			Expect(s.a.Close()).To(Succeed())
			finished := make(chan struct{})
			go func() { wg.Wait(); close(finished) }()
			Eventually(finished).WithTimeout(10*time.Second+100*s.u).Should(BeClosed(),
				"every goroutine should have seen ErrClosed soon after Close")
			Expect(p.get()).To(BeEmpty())
			_, err := c.Get(ctx, "k")
			Expect(err).To(MatchError(adapter.ErrClosed))
		})
	})
}
