package conformance

import (
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata/adapter"
)

// msResolutionMaxUnit is the largest Harness.Unit at which the millisecond
// resolution specs can still tell a 2-unit TTL from a whole second.
const msResolutionMaxUnit = 150 * time.Millisecond

func (s *suite) describeTTL() {
	Describe("TTL", func() {
		s.it("expires a value after its TTL", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 4 * s.u
			start := time.Now()
			Expect(c.Set(ctx, "k", "v", ttl)).To(Succeed())
			v, err := c.Get(ctx, "k")
			s.expectAlive(start, ttl, err, "a value must be readable before its TTL passes")
			Expect(v).To(Equal("v"))
			gone(ctx, s, c, "k", ttl)
			_, err = s.a.Get(ctx, s.key("k"))
			Expect(err).To(MatchError(adapter.ErrNotFound))
		})

		s.it("does not round a millisecond TTL up to whole seconds", func(ctx SpecContext) {
			if s.u > msResolutionMaxUnit {
				Skip("Harness.Unit is too large to tell milliseconds from seconds")
			}
			c := s.str(nil)
			ttl := 2 * s.u
			start := time.Now()
			Expect(c.Set(ctx, "k", "v", ttl)).To(Succeed())
			Eventually(ctx, func() error { _, err := c.Get(ctx, "k"); return err }).
				WithTimeout(time.Until(start.Add(950*time.Millisecond))).WithPolling(s.poll).
				Should(MatchError(adapter.ErrNotFound), "a %v TTL must expire well before one second", ttl)
		})

		s.it("does not round a TTL down to whole seconds", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 1500 * time.Millisecond
			start := time.Now()
			Expect(c.Set(ctx, "k", "v", ttl)).To(Succeed())
			sleepUntil(ctx, start.Add(1150*time.Millisecond))
			_, err := c.Get(ctx, "k")
			s.expectAlive(start, ttl, err, "a 1.5s TTL must not expire after one second")
		})

		s.it("keeps a value stored with NoExpiration", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 2 * s.u
			Expect(c.Set(ctx, "forever", "v", adapter.NoExpiration)).To(Succeed())
			Expect(c.Set(ctx, "brief", "v", ttl)).To(Succeed())
			gone(ctx, s, c, "brief", ttl)
			Consistently(ctx, func() (string, error) { return c.Get(ctx, "forever") }).
				WithTimeout(6 * s.u).WithPolling(s.u).Should(Equal("v"))
		})

		s.it("expires each key on its own schedule", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 4 * s.u
			Expect(c.Set(ctx, "long", "v", time.Hour)).To(Succeed())
			start := time.Now()
			Expect(c.Set(ctx, "short", "v", ttl)).To(Succeed())
			_, err := c.Get(ctx, "short")
			s.expectAlive(start, ttl, err)
			gone(ctx, s, c, "short", ttl)
			Expect(c.Get(ctx, "long")).To(Equal("v"))
		})

		s.it("uses the cache's DefaultTTL when given DefaultTTL", func(ctx SpecContext) {
			ttl := 4 * s.u
			c := s.strTTL(ttl)
			start := time.Now()
			Expect(c.Set(ctx, "k", "v", adapter.DefaultTTL)).To(Succeed())
			_, err := c.Get(ctx, "k")
			s.expectAlive(start, ttl, err)
			gone(ctx, s, c, "k", ttl)
		})

		s.it("uses the standard five-minute default when the cache sets none", func(ctx SpecContext) {
			c := s.str(nil)
			start := time.Now()
			Expect(c.Set(ctx, "k", "v", adapter.DefaultTTL)).To(Succeed())
			Consistently(ctx, func() (string, error) { return c.Get(ctx, "k") }).
				WithTimeout(6 * s.u).WithPolling(s.u).Should(Equal("v"))
			if r, ok := s.a.(adapter.TTLReader); ok {
				_, ttl, err := r.GetWithTTL(ctx, s.key("k"))
				Expect(err).NotTo(HaveOccurred())
				Expect(ttl).To(BeNumerically("<=", adapter.StandardTTL))
				Expect(ttl).To(BeNumerically(">", adapter.StandardTTL-time.Since(start)-time.Minute))
			}
		})

		s.it("keeps values forever when the cache's DefaultTTL is NoExpiration", func(ctx SpecContext) {
			c := s.strTTL(adapter.NoExpiration)
			Expect(c.Set(ctx, "k", "v", adapter.DefaultTTL)).To(Succeed())
			Consistently(ctx, func() (string, error) { return c.Get(ctx, "k") }).
				WithTimeout(6 * s.u).WithPolling(s.u).Should(Equal("v"))
			if r, ok := s.a.(adapter.TTLReader); ok {
				_, ttl, err := r.GetWithTTL(ctx, s.key("k"))
				Expect(err).NotTo(HaveOccurred())
				Expect(ttl).To(Equal(adapter.NoExpiration))
			}
		})

		s.it("reports an expired key as missing to Remove", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 2 * s.u
			Expect(c.Set(ctx, "k", "v", ttl)).To(Succeed())
			gone(ctx, s, c, "k", ttl)
			Expect(c.Remove(ctx, "k")).To(BeFalse(), "an expired key did not exist")
		})

		s.it("omits expired keys from GetMany", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 2 * s.u
			Expect(c.Set(ctx, "live", "v", time.Hour)).To(Succeed())
			Expect(c.Set(ctx, "dead", "v", ttl)).To(Succeed())
			gone(ctx, s, c, "dead", ttl)
			Expect(c.GetMany(ctx, "live", "dead")).To(Equal(map[string]string{"live": "v"}))
		})
	})
}
