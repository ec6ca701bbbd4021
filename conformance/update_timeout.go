package conformance

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
)

func (s *suite) describeUpdateTimeout() {
	Describe("UpdateTimeout", func() {
		s.it("returns the value", func(ctx SpecContext) {
			c := s.rec(nil)
			Expect(c.Set(ctx, "r", sampleRecord(5), time.Hour)).To(Succeed())
			Expect(c.UpdateTimeout(ctx, "r", time.Hour)).To(Equal(sampleRecord(5)))
			Expect(s.a.UpdateTimeout(ctx, s.key("r"), time.Hour)).NotTo(BeEmpty())
		})

		s.it("extends the TTL", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 6 * s.u
			start := time.Now()
			Expect(c.Set(ctx, "k", "v", ttl)).To(Succeed())
			v, err := c.UpdateTimeout(ctx, "k", time.Hour)
			s.expectAlive(start, ttl, err)
			Expect(v).To(Equal("v"))
			sleepUntil(ctx, start.Add(ttl+2*s.u))
			Consistently(ctx, func() (string, error) { return c.Get(ctx, "k") }).
				WithTimeout(4 * s.u).WithPolling(s.u).Should(Equal("v"))
		})

		s.it("shortens the TTL", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 4 * s.u
			Expect(c.Set(ctx, "k", "v", time.Hour)).To(Succeed())
			start := time.Now()
			Expect(c.UpdateTimeout(ctx, "k", ttl)).To(Equal("v"))
			_, err := c.Get(ctx, "k")
			s.expectAlive(start, ttl, err)
			gone(ctx, s, c, "k", ttl)
		})

		s.it("makes a key persistent with NoExpiration", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 6 * s.u
			start := time.Now()
			Expect(c.Set(ctx, "k", "v", ttl)).To(Succeed())
			_, err := c.UpdateTimeout(ctx, "k", adapter.NoExpiration)
			s.expectAlive(start, ttl, err)
			sleepUntil(ctx, start.Add(ttl+2*s.u))
			Consistently(ctx, func() (string, error) { return c.Get(ctx, "k") }).
				WithTimeout(4 * s.u).WithPolling(s.u).Should(Equal("v"))
		})

		s.it("uses the cache's DefaultTTL when given DefaultTTL", func(ctx SpecContext) {
			ttl := 4 * s.u
			c := s.strTTL(ttl)
			Expect(c.Set(ctx, "k", "v", adapter.NoExpiration)).To(Succeed())
			start := time.Now()
			Expect(c.UpdateTimeout(ctx, "k", adapter.DefaultTTL)).To(Equal("v"))
			_, err := c.Get(ctx, "k")
			s.expectAlive(start, ttl, err)
			gone(ctx, s, c, "k", ttl)
		})

		s.it("returns an error wrapping ErrNotFound that names the key when the key is missing", func(ctx SpecContext) {
			_, err := s.str(nil).UpdateTimeout(ctx, "never-set", time.Hour)
			Expect(err).To(MatchError(adapter.ErrNotFound))
			Expect(err.Error()).To(ContainSubstring("never-set"))
			k := s.key("never-set-either")
			_, err = s.a.UpdateTimeout(ctx, k, time.Hour)
			Expect(err).To(MatchError(adapter.ErrNotFound))
			Expect(err.Error()).To(ContainSubstring(k))
		})

		s.it("does not create a missing key", func(ctx SpecContext) {
			c := s.str(nil)
			_, err := c.UpdateTimeout(ctx, "k", time.Hour)
			Expect(err).To(MatchError(adapter.ErrNotFound))
			_, err = c.Get(ctx, "k")
			Expect(err).To(MatchError(adapter.ErrNotFound))
		})

		s.it("never revives a removed key", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.Set(ctx, "k", "v", time.Hour)).To(Succeed())
			Expect(c.Remove(ctx, "k")).To(BeTrue())
			_, err := c.UpdateTimeout(ctx, "k", time.Hour)
			Expect(err).To(MatchError(adapter.ErrNotFound))
			_, err = c.Get(ctx, "k")
			Expect(err).To(MatchError(adapter.ErrNotFound))
		})

		if s.h.Grace <= 0 {
			Context("without a grace period", func() {
				s.it("never revives an expired key", func(ctx SpecContext) {
					c := s.str(nil)
					ttl := 2 * s.u
					start := time.Now()
					Expect(c.Set(ctx, "k", "v", ttl)).To(Succeed())
					_, err := c.Get(ctx, "k")
					s.expectAlive(start, ttl, err)
					gone(ctx, s, c, "k", ttl)
					_, err = c.UpdateTimeout(ctx, "k", time.Hour)
					Expect(err).To(MatchError(adapter.ErrNotFound), "an expired key was revived, but Harness.Grace is 0")
					_, err = c.Get(ctx, "k")
					Expect(err).To(MatchError(adapter.ErrNotFound))
				})
			})
			return
		}

		Context(fmt.Sprintf("with a grace period of %v", s.h.Grace), func() {
			// expireThenUpdate stores "v" for ttl, waits for it to expire and calls
			// UpdateTimeout(newTTL) at once. It skips the spec when the machine was
			// too slow for the call to land within the grace period.
			expireThenUpdate := func(ctx SpecContext, c *strata.Cache[string], ttl, newTTL time.Duration) string {
				GinkgoHelper()
				start := time.Now()
				Expect(c.Set(ctx, "k", "v", ttl)).To(Succeed())
				_, err := c.Get(ctx, "k")
				s.expectAlive(start, ttl, err)
				gone(ctx, s, c, "k", ttl)
				v, err := c.UpdateTimeout(ctx, "k", newTTL)
				if err != nil {
					if late := time.Since(start); late >= ttl+s.h.Grace {
						panic(inconclusive{fmt.Sprintf("UpdateTimeout came %v after Set, beyond ttl %v + grace %v",
							late, ttl, s.h.Grace)})
					}
				}
				Expect(err).NotTo(HaveOccurred(), "a key that expired less than Harness.Grace ago must be revived")
				return v
			}

			s.it("revives a key that expired less than the grace period ago", func(ctx SpecContext) {
				c := s.str(nil)
				Expect(expireThenUpdate(ctx, c, 2*s.u, time.Hour)).To(Equal("v"))
				Expect(c.Get(ctx, "k")).To(Equal("v"))
				Expect(c.GetMany(ctx, "k")).To(Equal(map[string]string{"k": "v"}))
			})

			s.it("gives a revived key the new TTL", func(ctx SpecContext) {
				c := s.str(nil)
				ttl := 4 * s.u
				Expect(expireThenUpdate(ctx, c, 2*s.u, ttl)).To(Equal("v"))
				gone(ctx, s, c, "k", ttl)
			})

			s.it("hides a key in its grace period from Get and GetMany", func(ctx SpecContext) {
				c := s.str(nil)
				ttl := 2 * s.u
				Expect(c.Set(ctx, "k", "v", ttl)).To(Succeed())
				gone(ctx, s, c, "k", ttl)
				Expect(c.GetMany(ctx, "k")).To(BeEmpty())
				if r, ok := s.a.(adapter.TTLReader); ok {
					_, _, err := r.GetWithTTL(ctx, s.key("k"))
					Expect(err).To(MatchError(adapter.ErrNotFound))
				}
			})

			s.it("does not revive a key that expired more than the grace period ago", func(ctx SpecContext) {
				c := s.str(nil)
				ttl := 2 * s.u
				Expect(c.Set(ctx, "k", "v", ttl)).To(Succeed())
				stored := time.Now()
				gone(ctx, s, c, "k", ttl)
				sleepUntil(ctx, stored.Add(ttl+s.h.Grace+4*s.u))
				_, err := c.UpdateTimeout(ctx, "k", time.Hour)
				Expect(err).To(MatchError(adapter.ErrNotFound), "the key expired more than Harness.Grace ago")
				_, err = c.Get(ctx, "k")
				Expect(err).To(MatchError(adapter.ErrNotFound))
			})

			s.it("does not revive a key removed during its grace period", func(ctx SpecContext) {
				c := s.str(nil)
				ttl := 2 * s.u
				Expect(c.Set(ctx, "k", "v", ttl)).To(Succeed())
				gone(ctx, s, c, "k", ttl)
				Expect(c.Remove(ctx, "k")).To(BeFalse())
				_, err := c.UpdateTimeout(ctx, "k", time.Hour)
				Expect(err).To(MatchError(adapter.ErrNotFound), "a removed key must stay removed")
			})

			s.it("revives the latest value of a key overwritten before it expired", func(ctx SpecContext) {
				c := s.str(nil)
				Expect(c.Set(ctx, "k", "old", time.Hour)).To(Succeed())
				Expect(expireThenUpdate(ctx, c, 2*s.u, time.Hour)).To(Equal("v"))
			})
		})
	})
}
