package conformance

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/serializer"
)

// errLoader is what the failing loaders of the GetOrSet specs return.
var errLoader = errors.New("conformance: loader failed on purpose")

// ctxKey marks a context value the loader specs look for.
type ctxKey struct{}

func (s *suite) describeGetOrSet() {
	Describe("GetOrSet", func() {
		s.it("returns a stored value without calling the loader", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.Set(ctx, "k", "stored", adapter.NoExpiration)).To(Succeed())
			Expect(c.GetOrSet(ctx, "k", time.Hour, mustNotLoad[string])).To(Equal("stored"))
		})

		s.it("calls the loader on a miss and stores what it returns", func(ctx SpecContext) {
			c := s.str(nil)
			var calls atomic.Int32
			load := func(context.Context) (string, error) { calls.Add(1); return "loaded", nil }
			Expect(c.GetOrSet(ctx, "k", time.Hour, load)).To(Equal("loaded"))
			Expect(c.Get(ctx, "k")).To(Equal("loaded"))
			Expect(c.GetOrSet(ctx, "k", time.Hour, load)).To(Equal("loaded"))
			Expect(calls.Load()).To(BeEquivalentTo(1))
		})

		s.it("stores the loaded value with the TTL given", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 4 * s.u
			start := time.Now()
			Expect(c.GetOrSet(ctx, "k", ttl, func(context.Context) (string, error) { return "loaded", nil })).
				To(Equal("loaded"))
			_, err := c.Get(ctx, "k")
			s.expectAlive(start, ttl, err)
			gone(ctx, s, c, "k", ttl)
		})

		s.it("calls the loader once for 100 concurrent callers", func(ctx SpecContext) {
			c := s.str(nil)
			var calls atomic.Int32
			load := func(context.Context) (string, error) {
				calls.Add(1)
				time.Sleep(4 * s.u)
				return "loaded", nil
			}
			results := make([]result, 100)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range results {
				wg.Go(func() {
					<-start
					v, err := c.GetOrSet(ctx, "k", time.Hour, load)
					results[i] = result{v, err}
				})
			}
			close(start)
			wg.Wait()
			for i, r := range results {
				Expect(r).To(Equal(result{V: "loaded"}), "caller %d", i)
			}
			Expect(calls.Load()).To(BeEquivalentTo(1), "single-flight: one loader call for all callers")
			Expect(c.Get(ctx, "k")).To(Equal("loaded"))
		})

		s.it("loads different keys independently", func(ctx SpecContext) {
			c := s.str(nil)
			release := make(chan struct{})
			blocked := make(chan result, 1)
			go func() {
				v, err := c.GetOrSet(ctx, "slow", time.Hour, func(context.Context) (string, error) {
					<-release
					return "slow", nil
				})
				blocked <- result{v, err}
			}()
			DeferCleanup(func() { close(release); Eventually(blocked).WithTimeout(time.Minute).Should(Receive()) })
			Expect(c.GetOrSet(ctx, "fast", time.Hour, func(context.Context) (string, error) { return "fast", nil })).
				To(Equal("fast"))
			Consistently(blocked).WithTimeout(2 * s.u).ShouldNot(Receive())
		})

		s.it("returns a loader error to every waiter and does not cache it", func(ctx SpecContext) {
			c := s.str(nil)
			var calls atomic.Int32
			failing := func(context.Context) (string, error) {
				calls.Add(1)
				time.Sleep(4 * s.u)
				return "", errLoader
			}
			errs := make([]error, 10)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range errs {
				wg.Go(func() {
					<-start
					_, errs[i] = c.GetOrSet(ctx, "k", time.Hour, failing)
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				Expect(err).To(MatchError(errLoader), "caller %d", i)
			}
			_, err := c.Get(ctx, "k")
			Expect(err).To(MatchError(adapter.ErrNotFound), "a loader error must not be cached")
			before := calls.Load()
			Expect(c.GetOrSet(ctx, "k", time.Hour, func(context.Context) (string, error) {
				calls.Add(1)
				return "second try", nil
			})).To(Equal("second try"))
			Expect(calls.Load()).To(Equal(before + 1))
		})

		s.it("turns a loader panic into ErrLoaderPanicked and does not wedge the key", func(ctx SpecContext) {
			c := s.str(nil)
			errs := make([]error, 5)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range errs {
				wg.Go(func() {
					<-start
					_, errs[i] = c.GetOrSet(ctx, "k", time.Hour, func(context.Context) (string, error) {
						time.Sleep(2 * s.u)
						panic("conformance: loader panics on purpose")
					})
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				Expect(err).To(MatchError(strata.ErrLoaderPanicked), "caller %d", i)
			}
			_, err := c.Get(ctx, "k")
			Expect(err).To(MatchError(adapter.ErrNotFound))
			Expect(c.GetOrSet(ctx, "k", time.Hour, func(context.Context) (string, error) { return "fine", nil })).
				To(Equal("fine"))
		})

		s.it("returns a cancelled waiter's context error promptly while the load completes for the others", func(ctx SpecContext) {
			c := s.str(nil)
			var calls atomic.Int32
			release := make(chan struct{})
			var releaseOnce sync.Once
			DeferCleanup(func() { releaseOnce.Do(func() { close(release) }) })
			load := func(lctx context.Context) (string, error) {
				calls.Add(1)
				<-release
				if err := lctx.Err(); err != nil {
					return "", err
				}
				return "loaded", nil
			}
			patient := make(chan result, 1)
			go func() {
				v, err := c.GetOrSet(ctx, "k", time.Hour, load)
				patient <- result{v, err}
			}()
			Eventually(calls.Load).WithTimeout(time.Minute).WithPolling(s.poll).Should(BeEquivalentTo(1))

			wctx, cancel := context.WithCancel(ctx)
			impatient := make(chan error, 1)
			go func() {
				_, err := c.GetOrSet(wctx, "k", time.Hour, load)
				impatient <- err
			}()
			sleepUntil(ctx, time.Now().Add(2*s.u)) // let it join the shared load
			cancel()
			Eventually(impatient).WithTimeout(2*time.Second+10*s.u).
				Should(Receive(MatchError(context.Canceled)), "a cancelled waiter must return at once")
			Consistently(patient).WithTimeout(s.u).ShouldNot(Receive(), "the load is still blocked")

			releaseOnce.Do(func() { close(release) })
			Eventually(patient).WithTimeout(time.Minute).Should(Receive(Equal(result{V: "loaded"})))
			Expect(c.Get(ctx, "k")).To(Equal("loaded"))
			Expect(calls.Load()).To(BeEquivalentTo(1))
		})

		s.it("finishes and stores the load when the caller that started it gives up", func(ctx SpecContext) {
			c := s.str(nil)
			var calls atomic.Int32
			release := make(chan struct{})
			var releaseOnce sync.Once
			DeferCleanup(func() { releaseOnce.Do(func() { close(release) }) })
			load := func(lctx context.Context) (string, error) {
				calls.Add(1)
				<-release
				if err := lctx.Err(); err != nil {
					return "", err
				}
				return "loaded", nil
			}
			wctx, cancel := context.WithCancel(ctx)
			starter := make(chan error, 1)
			go func() {
				_, err := c.GetOrSet(wctx, "k", time.Hour, load)
				starter <- err
			}()
			Eventually(calls.Load).WithTimeout(time.Minute).WithPolling(s.poll).Should(BeEquivalentTo(1))
			cancel()
			Eventually(starter).WithTimeout(2*time.Second + 10*s.u).Should(Receive(MatchError(context.Canceled)))
			releaseOnce.Do(func() { close(release) })
			Eventually(ctx, func() (string, error) { return c.Get(ctx, "k") }).
				WithTimeout(time.Minute).WithPolling(s.poll).Should(Equal("loaded"))
			Expect(calls.Load()).To(BeEquivalentTo(1))
		})

		s.it("passes the caller's context values to the loader", func(ctx SpecContext) {
			c := s.str(nil)
			vctx := context.WithValue(ctx, ctxKey{}, "marker")
			Expect(c.GetOrSet(vctx, "k", time.Hour, func(lctx context.Context) (string, error) {
				v, _ := lctx.Value(ctxKey{}).(string)
				return v, nil
			})).To(Equal("marker"))
		})

		s.it("bounds the loader with Options.LoadTimeout and caches nothing", func(ctx SpecContext) {
			c := s.str(&strata.Options[string]{LoadTimeout: 2 * s.u})
			_, err := c.GetOrSet(ctx, "k", time.Hour, func(lctx context.Context) (string, error) {
				select {
				case <-lctx.Done():
					return "", lctx.Err()
				case <-time.After(time.Minute):
					return "too late", nil
				}
			})
			Expect(err).To(MatchError(context.DeadlineExceeded))
			_, err = c.Get(ctx, "k")
			Expect(err).To(MatchError(adapter.ErrNotFound))
		})

		s.it("returns ErrCodec when the loaded value cannot be encoded, and stores nothing", func(ctx SpecContext) {
			c := strata.New(s.a, &strata.Options[unencodable]{Prefix: s.pfx, Codec: serializer.JSON[unencodable]()})
			_, err := c.GetOrSet(ctx, "k", time.Hour, func(context.Context) (unencodable, error) {
				return unencodable{Name: "x", Bad: make(chan int)}, nil
			})
			Expect(err).To(MatchError(adapter.ErrCodec))
			_, err = s.a.Get(ctx, s.key("k"))
			Expect(err).To(MatchError(adapter.ErrNotFound))
		})
	})
}
