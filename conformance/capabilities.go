package conformance

import (
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
)

func (s *suite) describeCapabilities() {
	Describe("optional capabilities", func() {
		Context("Pinger", func() {
			s.it("pings an open adapter", func(ctx SpecContext) {
				Expect(s.pinger().Ping(ctx)).To(Succeed())
			})
		})

		// Clear empties the adapter's whole namespace, which other specs running in
		// parallel against the same backend may share: these specs run serially.
		Context("Clearer", Serial, func() {
			s.it("removes every key the adapter holds", func(ctx SpecContext) {
				cl := s.clearer()
				one := s.str(&strata.Options[string]{Prefix: s.pfx + "one:"})
				two := s.rec(nil)
				Expect(one.SetMany(ctx, map[string]string{"a": "1", "b": "2"}, time.Hour)).To(Succeed())
				Expect(one.Set(ctx, "forever", "3", adapter.NoExpiration)).To(Succeed())
				Expect(two.Set(ctx, "r", sampleRecord(1), time.Hour)).To(Succeed())
				Expect(s.a.Set(ctx, s.key("*"), []byte("glob"), time.Hour)).To(Succeed())
				Expect(cl.Clear(ctx, "")).To(Succeed())
				Expect(one.GetMany(ctx, "a", "b", "forever")).To(BeEmpty())
				_, err := two.Get(ctx, "r")
				Expect(err).To(MatchError(adapter.ErrNotFound))
				_, err = s.a.Get(ctx, s.key("*"))
				Expect(err).To(MatchError(adapter.ErrNotFound))
			})

			s.it("clears an empty adapter and keeps working afterwards", func(ctx SpecContext) {
				cl := s.clearer()
				Expect(cl.Clear(ctx, "")).To(Succeed())
				c := s.str(nil)
				Expect(c.Set(ctx, "k", "before", time.Hour)).To(Succeed())
				Expect(cl.Clear(ctx, "")).To(Succeed())
				Expect(c.Set(ctx, "k", "after", time.Hour)).To(Succeed())
				Expect(c.Get(ctx, "k")).To(Equal("after"))
				Expect(c.Remove(ctx, "k")).To(BeTrue())
			})

			s.it("does not let UpdateTimeout revive a cleared key", func(ctx SpecContext) {
				cl := s.clearer()
				c := s.str(nil)
				Expect(c.Set(ctx, "k", "v", time.Hour)).To(Succeed())
				Expect(cl.Clear(ctx, "")).To(Succeed())
				_, err := c.UpdateTimeout(ctx, "k", time.Hour)
				Expect(err).To(MatchError(adapter.ErrNotFound))
			})
		})

		s.describeClearPrefix()

		Context("TTLReader", func() {
			s.it("returns the value and a remaining TTL within (0, ttl]", func(ctx SpecContext) {
				r := s.ttlReader()
				k := s.key("k")
				ttl := time.Hour
				Expect(s.a.Set(ctx, k, []byte("v"), ttl)).To(Succeed())
				v, left, err := r.GetWithTTL(ctx, k)
				Expect(err).NotTo(HaveOccurred())
				Expect(v).To(Equal([]byte("v")))
				Expect(left).To(BeNumerically(">", 0))
				Expect(left).To(BeNumerically("<=", ttl))
				Expect(left).To(BeNumerically(">", ttl-time.Minute), "nearly all of the hour remains")
			})

			s.it("reports a short TTL with millisecond precision", func(ctx SpecContext) {
				r := s.ttlReader()
				k := s.key("k")
				ttl := 1500 * time.Millisecond
				start := time.Now()
				Expect(s.a.Set(ctx, k, []byte("v"), ttl)).To(Succeed())
				_, left, err := r.GetWithTTL(ctx, k)
				s.expectAlive(start, ttl, err)
				Expect(left).To(BeNumerically(">", 0))
				Expect(left).To(BeNumerically("<=", ttl))
				if time.Since(start) < 400*time.Millisecond {
					Expect(left).To(BeNumerically(">", time.Second), "1.5s must not be rounded down to 1s")
				}
			})

			s.it("returns NoExpiration for a key that never expires", func(ctx SpecContext) {
				r := s.ttlReader()
				k := s.key("k")
				Expect(s.a.Set(ctx, k, []byte("v"), adapter.NoExpiration)).To(Succeed())
				v, left, err := r.GetWithTTL(ctx, k)
				Expect(err).NotTo(HaveOccurred())
				Expect(v).To(Equal([]byte("v")))
				Expect(left).To(Equal(adapter.NoExpiration))
			})

			s.it("returns an error wrapping ErrNotFound that names the key when the key is missing", func(ctx SpecContext) {
				r := s.ttlReader()
				k := s.key("missing")
				_, _, err := r.GetWithTTL(ctx, k)
				Expect(err).To(MatchError(adapter.ErrNotFound))
				Expect(err.Error()).To(ContainSubstring(k))
			})

			s.it("reflects UpdateTimeout", func(ctx SpecContext) {
				r := s.ttlReader()
				k := s.key("k")
				Expect(s.a.Set(ctx, k, []byte("v"), time.Minute)).To(Succeed())
				Expect(s.a.UpdateTimeout(ctx, k, time.Hour)).To(Equal([]byte("v")))
				_, left, err := r.GetWithTTL(ctx, k)
				Expect(err).NotTo(HaveOccurred())
				Expect(left).To(BeNumerically(">", 59*time.Minute))
				Expect(s.a.UpdateTimeout(ctx, k, adapter.NoExpiration)).To(Equal([]byte("v")))
				_, left, err = r.GetWithTTL(ctx, k)
				Expect(err).NotTo(HaveOccurred())
				Expect(left).To(Equal(adapter.NoExpiration))
			})

			s.it("reports an expired key as missing", func(ctx SpecContext) {
				r := s.ttlReader()
				k := s.key("k")
				ttl := 4 * s.u
				start := time.Now()
				Expect(s.a.Set(ctx, k, []byte("v"), ttl)).To(Succeed())
				_, _, err := r.GetWithTTL(ctx, k)
				s.expectAlive(start, ttl, err)
				s.eventuallyMissing(ctx, ttl, func() error { _, _, err := r.GetWithTTL(ctx, k); return err })
			})

			s.it("returns a copy the caller may modify", func(ctx SpecContext) {
				r := s.ttlReader()
				k := s.key("k")
				Expect(s.a.Set(ctx, k, []byte("original"), time.Hour)).To(Succeed())
				v, _, err := r.GetWithTTL(ctx, k)
				Expect(err).NotTo(HaveOccurred())
				copy(v, "MUTATED!")
				Expect(s.a.Get(ctx, k)).To(Equal([]byte("original")))
			})
		})
	})
}
