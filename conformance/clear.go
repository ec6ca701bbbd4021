package conformance

import (
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
)

// describeClearPrefix declares the specs of Clear with a prefix: what strata.Cache's
// Clear asks of a driver, so that a cache clears its own namespace and nothing else.
// Every key they write is under the spec's random prefix, and so is every prefix they
// clear: unlike a clear of everything, they may run in parallel with other specs.
func (s *suite) describeClearPrefix() {
	Context("Clearer with a prefix", func() {
		s.it("removes the keys that start with the prefix and keeps every other key", func(ctx SpecContext) {
			cl := s.clearer()
			gone := s.keys("a:", "a:1", "a:2:x", "a:*")
			kept := s.keys("b:1", "b:a:1", "xa:1", "a", "A:1", "b:")
			for _, k := range append(gone, kept...) {
				Expect(s.a.Set(ctx, k, []byte("v"), time.Hour)).To(Succeed(), k)
			}
			Expect(s.a.Set(ctx, s.key("a:forever"), []byte("v"), adapter.NoExpiration)).To(Succeed())
			gone = append(gone, s.key("a:forever"))
			Expect(cl.Clear(ctx, s.key("a:"))).To(Succeed())
			for _, k := range gone {
				_, err := s.a.Get(ctx, k)
				Expect(err).To(MatchError(adapter.ErrNotFound), "%q starts with the cleared prefix", k)
			}
			for _, k := range kept {
				Expect(s.a.Get(ctx, k)).To(Equal([]byte("v")), "%q does not start with the cleared prefix", k)
			}
		})

		s.it("matches glob characters in the prefix literally", func(ctx SpecContext) {
			cl := s.clearer()
			// Each of these would match the prefix read as a glob pattern.
			kept := s.keys("xya:1", "ya:", "b?a:2", "*xa:")
			gone := s.keys("*?[a]\\:1")
			for _, k := range append(gone, kept...) {
				Expect(s.a.Set(ctx, k, []byte("v"), time.Hour)).To(Succeed(), k)
			}
			Expect(cl.Clear(ctx, s.key("*?[a]\\:"))).To(Succeed())
			_, err := s.a.Get(ctx, gone[0])
			Expect(err).To(MatchError(adapter.ErrNotFound))
			for _, k := range kept {
				Expect(s.a.Get(ctx, k)).To(Equal([]byte("v")), "%q does not start with the cleared prefix", k)
			}
			Expect(cl.Clear(ctx, s.key("?"))).To(Succeed())
			for _, k := range kept {
				Expect(s.a.Get(ctx, k)).To(Equal([]byte("v")), "%q does not start with %q", k, s.key("?"))
			}
		})

		s.it("Cache.Clear removes its own namespace and keeps other caches' keys", func(ctx SpecContext) {
			s.clearer()
			shop := s.str(&strata.Options[string]{Prefix: s.pfx + "shop:"})
			blog := s.str(&strata.Options[string]{Prefix: s.pfx + "blog:"})
			items := map[string]string{"1": "a", "2": "b", "shop:3": "c"}
			Expect(shop.SetMany(ctx, items, time.Hour)).To(Succeed())
			Expect(blog.SetMany(ctx, items, time.Hour)).To(Succeed())
			Expect(shop.Clear(ctx)).To(Succeed())
			Expect(shop.GetMany(ctx, "1", "2", "shop:3")).To(BeEmpty())
			Expect(blog.GetMany(ctx, "1", "2", "shop:3")).To(Equal(items))
			// The cleared namespace works as before.
			Expect(shop.Set(ctx, "1", "again", time.Hour)).To(Succeed())
			Expect(shop.Get(ctx, "1")).To(Equal("again"))
		})

		s.it("does not let UpdateTimeout revive a key cleared by prefix", func(ctx SpecContext) {
			cl := s.clearer()
			c := s.str(nil)
			Expect(c.Set(ctx, "a:k", "v", time.Hour)).To(Succeed())
			Expect(cl.Clear(ctx, s.key("a:"))).To(Succeed())
			_, err := c.UpdateTimeout(ctx, "a:k", time.Hour)
			Expect(err).To(MatchError(adapter.ErrNotFound))
		})
	})
}
