package conformance

import (
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/serializer"
)

func (s *suite) describeBatches() {
	Describe("batches", func() {
		s.it("GetMany returns the hits and omits the misses", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.Set(ctx, "a", "1", adapter.NoExpiration)).To(Succeed())
			Expect(c.Set(ctx, "c", "3", adapter.NoExpiration)).To(Succeed())
			got, err := c.GetMany(ctx, "a", "b", "c", "d")
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(Equal(map[string]string{"a": "1", "c": "3"}))
			Expect(got).NotTo(HaveKey("b"))
		})

		s.it("GetMany returns an empty map when every key misses", func(ctx SpecContext) {
			got, err := s.str(nil).GetMany(ctx, "x", "y")
			Expect(err).NotTo(HaveOccurred())
			Expect(got).NotTo(BeNil())
			Expect(got).To(BeEmpty())
		})

		s.it("GetMany of no keys returns an empty map", func(ctx SpecContext) {
			got, err := s.str(nil).GetMany(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(BeEmpty())
		})

		s.it("GetMany tolerates duplicate keys", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.Set(ctx, "a", "1", adapter.NoExpiration)).To(Succeed())
			Expect(c.GetMany(ctx, "a", "a", "b", "b", "a")).To(Equal(map[string]string{"a": "1"}))
		})

		s.it("GetMany decodes structs with the cache's codec", func(ctx SpecContext) {
			c := s.rec(nil)
			Expect(c.Set(ctx, "r1", sampleRecord(1), adapter.NoExpiration)).To(Succeed())
			Expect(c.Set(ctx, "r2", sampleRecord(2), adapter.NoExpiration)).To(Succeed())
			Expect(c.GetMany(ctx, "r1", "r2", "r3")).To(Equal(map[string]record{"r1": sampleRecord(1), "r2": sampleRecord(2)}))
		})

		s.it("SetMany stores every item for GetMany and Get", func(ctx SpecContext) {
			c := s.str(nil)
			items := map[string]string{}
			for i := range 20 {
				items[key(i)] = "value " + key(i)
			}
			Expect(c.SetMany(ctx, items, adapter.NoExpiration)).To(Succeed())
			keys := make([]string, 0, len(items))
			for k := range items {
				keys = append(keys, k)
			}
			Expect(c.GetMany(ctx, keys...)).To(Equal(items))
			Expect(c.Get(ctx, key(7))).To(Equal("value " + key(7)))
		})

		s.it("SetMany overwrites existing keys and leaves the others", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.Set(ctx, "a", "old", adapter.NoExpiration)).To(Succeed())
			Expect(c.Set(ctx, "other", "untouched", adapter.NoExpiration)).To(Succeed())
			Expect(c.SetMany(ctx, map[string]string{"a": "new", "b": "fresh"}, adapter.NoExpiration)).To(Succeed())
			Expect(c.GetMany(ctx, "a", "b", "other")).To(Equal(map[string]string{"a": "new", "b": "fresh", "other": "untouched"}))
		})

		s.it("SetMany applies the TTL to every item", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 4 * s.u
			start := time.Now()
			Expect(c.SetMany(ctx, map[string]string{"a": "1", "b": "2", "c": "3"}, ttl)).To(Succeed())
			got, err := c.GetMany(ctx, "a", "b", "c")
			Expect(err).NotTo(HaveOccurred())
			if len(got) < 3 {
				s.expectAlive(start, ttl, adapter.NotFound("some of a, b, c"))
			}
			Expect(got).To(HaveLen(3))
			Eventually(ctx, func() (map[string]string, error) { return c.GetMany(ctx, "a", "b", "c") }).
				WithTimeout(s.patience(ttl)).WithPolling(s.poll).Should(BeEmpty())
		})

		s.it("SetMany with DefaultTTL uses the cache's default", func(ctx SpecContext) {
			ttl := 4 * s.u
			c := s.strTTL(ttl)
			Expect(c.SetMany(ctx, map[string]string{"a": "1", "b": "2"}, adapter.DefaultTTL)).To(Succeed())
			Eventually(ctx, func() (map[string]string, error) { return c.GetMany(ctx, "a", "b") }).
				WithTimeout(s.patience(ttl)).WithPolling(s.poll).Should(BeEmpty())
		})

		s.it("SetMany with NoExpiration keeps the items", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.SetMany(ctx, map[string]string{"a": "1", "b": "2"}, adapter.NoExpiration)).To(Succeed())
			Expect(c.Set(ctx, "brief", "v", 2*s.u)).To(Succeed())
			gone(ctx, s, c, "brief", 2*s.u)
			Expect(c.GetMany(ctx, "a", "b")).To(HaveLen(2))
		})

		s.it("SetMany of no items succeeds", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.SetMany(ctx, nil, time.Hour)).To(Succeed())
			Expect(c.SetMany(ctx, map[string]string{}, time.Hour)).To(Succeed())
		})

		s.it("SetMany stores empty values as values", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.SetMany(ctx, map[string]string{"e": "", "f": "x"}, adapter.NoExpiration)).To(Succeed())
			Expect(c.GetMany(ctx, "e", "f")).To(Equal(map[string]string{"e": "", "f": "x"}))
		})

		s.it("SetMany stores nothing when one value cannot be encoded", func(ctx SpecContext) {
			c := strata.New(s.a, &strata.Options[unencodable]{Prefix: s.pfx, Codec: serializer.JSON[unencodable]()})
			items := map[string]unencodable{"good1": {Name: "a"}, "bad": {Name: "b", Bad: make(chan int)}, "good2": {Name: "c"}}
			Expect(c.SetMany(ctx, items, time.Hour)).To(MatchError(adapter.ErrCodec))
			Expect(c.GetMany(ctx, "good1", "bad", "good2")).To(BeEmpty())
		})

		Context("through the driver's Batcher", func() {
			s.it("GetMany returns the hits and omits the misses", func(ctx SpecContext) {
				b := s.batcher()
				ks := s.keys("a", "b", "c")
				Expect(s.a.Set(ctx, ks[0], []byte("1"), adapter.NoExpiration)).To(Succeed())
				Expect(s.a.Set(ctx, ks[2], []byte{}, adapter.NoExpiration)).To(Succeed())
				got, err := b.GetMany(ctx, append(ks, ks[0]))
				Expect(err).NotTo(HaveOccurred())
				Expect(got).To(HaveLen(2))
				Expect(got).To(HaveKeyWithValue(ks[0], []byte("1")))
				Expect(got).To(HaveKey(ks[2]))
				Expect(got[ks[2]]).To(BeEmpty())
				Expect(got).NotTo(HaveKey(ks[1]))
			})

			s.it("GetMany of no keys returns an empty map", func(ctx SpecContext) {
				b := s.batcher()
				got, err := b.GetMany(ctx, nil)
				Expect(err).NotTo(HaveOccurred())
				Expect(got).To(BeEmpty())
			})

			s.it("SetMany stores every item with the TTL", func(ctx SpecContext) {
				b := s.batcher()
				ks := s.keys("a", "b")
				ttl := 4 * s.u
				start := time.Now()
				Expect(b.SetMany(ctx, map[string][]byte{ks[0]: []byte("1"), ks[1]: []byte("2")}, ttl)).To(Succeed())
				got, err := b.GetMany(ctx, ks)
				Expect(err).NotTo(HaveOccurred())
				if len(got) < 2 {
					s.expectAlive(start, ttl, adapter.NotFound(ks[0]))
				}
				Expect(got).To(Equal(map[string][]byte{ks[0]: []byte("1"), ks[1]: []byte("2")}))
				Eventually(ctx, func() (map[string][]byte, error) { return b.GetMany(ctx, ks) }).
					WithTimeout(s.patience(ttl)).WithPolling(s.poll).Should(BeEmpty())
			})

			s.it("SetMany of no items succeeds", func(ctx SpecContext) {
				b := s.batcher()
				Expect(b.SetMany(ctx, nil, time.Hour)).To(Succeed())
			})

			s.it("does not keep the caller's slices and returns copies", func(ctx SpecContext) {
				b := s.batcher()
				k := s.key("a")
				buf := []byte("original")
				Expect(b.SetMany(ctx, map[string][]byte{k: buf}, adapter.NoExpiration)).To(Succeed())
				copy(buf, "MUTATED!")
				got, err := b.GetMany(ctx, []string{k})
				Expect(err).NotTo(HaveOccurred())
				Expect(got[k]).To(Equal([]byte("original")))
				copy(got[k], "MUTATED!")
				Expect(s.a.Get(ctx, k)).To(Equal([]byte("original")))
			})
		})
	})
}
