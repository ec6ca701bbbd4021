package conformance

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported
	"github.com/onsi/gomega/types"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
)

// expectDriverErrors calls every method of the spec's adapter (and its optional
// capabilities) with ctx on valid keys and expects each error to match m.
func (s *suite) expectDriverErrors(ctx context.Context, m func() types.GomegaMatcher) {
	GinkgoHelper()
	k := s.key("k")
	_, err := s.a.Get(ctx, k)
	Expect(err).To(m(), "Get")
	Expect(s.a.Set(ctx, k, []byte("v"), time.Hour)).To(m(), "Set")
	_, err = s.a.Remove(ctx, k)
	Expect(err).To(m(), "Remove")
	_, err = s.a.UpdateTimeout(ctx, k, time.Hour)
	Expect(err).To(m(), "UpdateTimeout")
	if b, ok := s.a.(adapter.Batcher); ok {
		_, err = b.GetMany(ctx, []string{k})
		Expect(err).To(m(), "Batcher.GetMany")
		Expect(b.SetMany(ctx, map[string][]byte{k: []byte("v")}, time.Hour)).To(m(), "Batcher.SetMany")
	}
	if p, ok := s.a.(adapter.Pinger); ok {
		Expect(p.Ping(ctx)).To(m(), "Pinger.Ping")
	}
	if r, ok := s.a.(adapter.TTLReader); ok {
		_, _, err = r.GetWithTTL(ctx, k)
		Expect(err).To(m(), "TTLReader.GetWithTTL")
	}
	if c, ok := s.a.(adapter.Clearer); ok {
		Expect(c.Clear(ctx, s.pfx)).To(m(), "Clearer.Clear")
	}
}

// expectCacheErrors calls every method of c with ctx on valid keys and expects each
// error to match m; the GetOrSet loader must not run.
func expectCacheErrors(ctx context.Context, c *strata.Cache[string], m func() types.GomegaMatcher) {
	GinkgoHelper()
	_, err := c.Get(ctx, "k")
	Expect(err).To(m(), "Get")
	v, err := c.GetOrDefault(ctx, "k", "fallback")
	Expect(err).To(m(), "GetOrDefault")
	Expect(v).NotTo(Equal("fallback"), "GetOrDefault must not hide a failure behind the default")
	Expect(c.Set(ctx, "k", "v", time.Hour)).To(m(), "Set")
	_, err = c.Remove(ctx, "k")
	Expect(err).To(m(), "Remove")
	_, err = c.UpdateTimeout(ctx, "k", time.Hour)
	Expect(err).To(m(), "UpdateTimeout")
	_, err = c.GetOrSet(ctx, "k", time.Hour, mustNotLoad[string])
	Expect(err).To(m(), "GetOrSet")
	_, err = c.GetMany(ctx, "k", "k2")
	Expect(err).To(m(), "GetMany")
	Expect(c.SetMany(ctx, map[string]string{"k": "v", "k2": "v"}, time.Hour)).To(m(), "SetMany")
	if _, ok := c.Adapter().(adapter.Clearer); ok { // without one, Clear is ErrUnsupported
		Expect(c.Clear(ctx)).To(m(), "Clear")
	}
}

func matchErr(target error) func() types.GomegaMatcher {
	return func() types.GomegaMatcher { return MatchError(target) }
}

func (s *suite) describeClosed() {
	Describe("after Close", func() {
		s.it("returns ErrClosed from every driver method", func(ctx SpecContext) {
			Expect(s.a.Set(ctx, s.key("k"), []byte("v"), time.Hour)).To(Succeed())
			Expect(s.a.Close()).To(Succeed())
			s.expectDriverErrors(ctx, matchErr(adapter.ErrClosed))
		})

		s.it("returns ErrClosed from every Cache method", func(ctx SpecContext) {
			// ReturnCacheError: by default GetOrSet loads when the driver fails (the
			// next spec); this one is about what the driver returns.
			c := s.str(&strata.Options[string]{FailurePolicy: strata.ReturnCacheError})
			Expect(c.Set(ctx, "k", "v", time.Hour)).To(Succeed())
			// The driver's own Close: after Cache.Close the Cache answers ErrClosed
			// itself, so only this way does the spec see what the driver returns.
			Expect(s.a.Close()).To(Succeed())
			expectCacheErrors(ctx, c, matchErr(adapter.ErrClosed))
		})

		s.it("lets GetOrSet load over a closed driver under the default FailurePolicy", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(s.a.Close()).To(Succeed())
			Expect(c.GetOrSet(ctx, "k", time.Hour, func(context.Context) (string, error) { return "loaded", nil })).
				To(Equal("loaded"))
		})

		s.it("can be closed twice", func(ctx SpecContext) {
			Expect(s.a.Close()).To(Succeed())
			Expect(s.a.Close()).To(Succeed())
			_, err := s.a.Get(ctx, s.key("k"))
			Expect(err).To(MatchError(adapter.ErrClosed))
		})

		s.it("closes the adapter when the Cache is closed", func(ctx SpecContext) {
			c := s.rec(nil)
			Expect(c.Close()).To(Succeed())
			Expect(c.Adapter()).To(BeIdenticalTo(s.a))
			_, err := s.a.Get(ctx, s.key("k"))
			Expect(err).To(MatchError(adapter.ErrClosed))
			Expect(c.Close()).To(Succeed())
		})

		s.it("returns ErrClosed from a GetOrSet whose load finishes after Close", func(ctx SpecContext) {
			c := s.str(nil)
			release := make(chan struct{})
			done := make(chan result, 1)
			go func() {
				v, err := c.GetOrSet(ctx, "k", time.Hour, func(context.Context) (string, error) {
					<-release
					return "loaded", nil
				})
				done <- result{v, err}
			}()
			sleepUntil(ctx, time.Now().Add(2*s.u))
			Expect(c.Close()).To(Succeed())
			close(release)
			var r result
			Eventually(done).WithTimeout(time.Minute).Should(Receive(&r))
			Expect(r.Err).To(MatchError(adapter.ErrClosed), "the loaded value could not be stored")
			_, err := c.Get(ctx, "k")
			Expect(err).To(MatchError(adapter.ErrClosed))
		})
	})
}

func (s *suite) describeContext() {
	Describe("context", func() {
		s.it("driver: returns context.Canceled from every method when the context is cancelled", func(ctx SpecContext) {
			s.expectDriverErrors(cancelled(ctx), matchErr(context.Canceled))
		})

		s.it("driver: returns context.DeadlineExceeded from every method when the deadline has passed", func(ctx SpecContext) {
			s.expectDriverErrors(expired(ctx), matchErr(context.DeadlineExceeded))
		})

		s.it("driver: changes nothing when the context is already cancelled", func(ctx SpecContext) {
			kept, fresh := s.key("kept"), s.key("new")
			Expect(s.a.Set(ctx, kept, []byte("v"), adapter.NoExpiration)).To(Succeed())
			dead := cancelled(ctx)
			Expect(s.a.Set(dead, fresh, []byte("v"), time.Hour)).NotTo(Succeed())
			Expect(s.a.Set(dead, kept, []byte("overwritten"), time.Hour)).NotTo(Succeed())
			if b, ok := s.a.(adapter.Batcher); ok {
				Expect(b.SetMany(dead, map[string][]byte{fresh: []byte("v"), kept: []byte("x")}, time.Hour)).NotTo(Succeed())
			}
			_, err := s.a.Remove(dead, kept)
			Expect(err).To(HaveOccurred())
			_, err = s.a.UpdateTimeout(dead, kept, s.u)
			Expect(err).To(HaveOccurred())
			if cl, ok := s.a.(adapter.Clearer); ok {
				Expect(cl.Clear(dead, s.pfx)).NotTo(Succeed())
			}
			_, err = s.a.Get(ctx, fresh)
			Expect(err).To(MatchError(adapter.ErrNotFound))
			Consistently(ctx, func() ([]byte, error) { return s.a.Get(ctx, kept) }).
				WithTimeout(4 * s.u).WithPolling(s.u).Should(Equal([]byte("v")))
		})

		s.it("driver: keeps working after calls with a cancelled context", func(ctx SpecContext) {
			k := s.key("k")
			dead := cancelled(ctx)
			for range 10 {
				_, _ = s.a.Get(dead, k)
				_ = s.a.Set(dead, k, []byte("v"), time.Hour)
			}
			Expect(s.a.Set(ctx, k, []byte("v"), time.Hour)).To(Succeed())
			Expect(s.a.Get(ctx, k)).To(Equal([]byte("v")))
		})
	})
}
