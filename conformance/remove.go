package conformance

import (
	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
)

func (s *suite) describeRemove() {
	Describe("Remove", func() {
		// set stores "v" under each key with no expiry.
		set := func(ctx SpecContext, c *strata.Cache[string], keys ...string) {
			GinkgoHelper()
			for _, k := range keys {
				Expect(c.Set(ctx, k, "v", adapter.NoExpiration)).To(Succeed())
			}
		}
		missing := func(ctx SpecContext, c *strata.Cache[string], keys ...string) {
			GinkgoHelper()
			for _, k := range keys {
				_, err := c.Get(ctx, k)
				Expect(err).To(MatchError(adapter.ErrNotFound), "key %q should be gone", k)
			}
		}

		s.it("removes a key and reports that it existed", func(ctx SpecContext) {
			c := s.str(nil)
			set(ctx, c, "a")
			Expect(c.Remove(ctx, "a")).To(BeTrue())
			missing(ctx, c, "a")
		})

		s.it("removes several keys and reports true when all existed", func(ctx SpecContext) {
			c := s.str(nil)
			set(ctx, c, "a", "b", "c", "keep")
			Expect(c.Remove(ctx, "a", "b", "c")).To(BeTrue())
			missing(ctx, c, "a", "b", "c")
			Expect(c.Get(ctx, "keep")).To(Equal("v"))
		})

		s.it("reports false when some keys were missing, and removes the others", func(ctx SpecContext) {
			c := s.str(nil)
			set(ctx, c, "a", "c")
			Expect(c.Remove(ctx, "a", "b", "c")).To(BeFalse())
			missing(ctx, c, "a", "b", "c")
		})

		s.it("reports false when the only key is missing", func(ctx SpecContext) {
			Expect(s.str(nil).Remove(ctx, "nope")).To(BeFalse())
		})

		s.it("reports false when no key existed", func(ctx SpecContext) {
			c := s.str(nil)
			set(ctx, c, "other")
			Expect(c.Remove(ctx, "x", "y", "z")).To(BeFalse())
			Expect(c.Get(ctx, "other")).To(Equal("v"))
		})

		s.it("reports false for a key removed twice", func(ctx SpecContext) {
			c := s.str(nil)
			set(ctx, c, "a")
			Expect(c.Remove(ctx, "a")).To(BeTrue())
			Expect(c.Remove(ctx, "a")).To(BeFalse())
		})

		s.it("counts duplicate keys once", func(ctx SpecContext) {
			c := s.str(nil)
			set(ctx, c, "a", "b")
			Expect(c.Remove(ctx, "a", "a", "b", "a")).To(BeTrue())
			missing(ctx, c, "a", "b")
		})

		s.it("reports false for duplicates of a missing key", func(ctx SpecContext) {
			c := s.str(nil)
			set(ctx, c, "a")
			Expect(c.Remove(ctx, "a", "nope", "nope")).To(BeFalse())
			missing(ctx, c, "a")
		})

		s.it("reports true for zero keys", func(ctx SpecContext) {
			Expect(s.str(nil).Remove(ctx)).To(BeTrue())
		})

		s.it("driver: reports true for zero keys", func(ctx SpecContext) {
			Expect(s.a.Remove(ctx)).To(BeTrue())
		})

		s.it("driver: removes several keys and counts duplicates once", func(ctx SpecContext) {
			ks := s.keys("a", "b")
			for _, k := range ks {
				Expect(s.a.Set(ctx, k, []byte("v"), adapter.NoExpiration)).To(Succeed())
			}
			Expect(s.a.Remove(ctx, ks[0], ks[1], ks[0])).To(BeTrue())
			Expect(s.a.Remove(ctx, ks...)).To(BeFalse())
		})

		s.it("lets a removed key be stored again", func(ctx SpecContext) {
			c := s.str(nil)
			set(ctx, c, "a")
			Expect(c.Remove(ctx, "a")).To(BeTrue())
			Expect(c.Set(ctx, "a", "again", adapter.NoExpiration)).To(Succeed())
			Expect(c.Get(ctx, "a")).To(Equal("again"))
		})
	})
}
