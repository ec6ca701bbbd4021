package conformance

import (
	"math"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata/adapter"
)

func (s *suite) describeGet() {
	Describe("Get", func() {
		s.it("returns the value stored under a key", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.Set(ctx, "k", "hello", adapter.NoExpiration)).To(Succeed())
			Expect(c.Get(ctx, "k")).To(Equal("hello"))
		})

		s.it("returns an error wrapping ErrNotFound that names the key when the key is missing", func(ctx SpecContext) {
			c := s.str(nil)
			v, err := c.Get(ctx, "no-such-key")
			Expect(err).To(MatchError(adapter.ErrNotFound))
			Expect(err.Error()).To(ContainSubstring("no-such-key"))
			Expect(v).To(BeEmpty())
		})

		s.it("driver: returns an error wrapping ErrNotFound that names the key when the key is missing", func(ctx SpecContext) {
			k := s.key("absent")
			v, err := s.a.Get(ctx, k)
			Expect(err).To(MatchError(adapter.ErrNotFound))
			Expect(err.Error()).To(ContainSubstring(k))
			Expect(v).To(BeEmpty())
		})

		s.it("does not match keys that merely share a prefix", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.Set(ctx, "abc", "v", adapter.NoExpiration)).To(Succeed())
			for _, k := range []string{"ab", "abcd", "abc ", "ABC"} {
				_, err := c.Get(ctx, k)
				Expect(err).To(MatchError(adapter.ErrNotFound), "key %q", k)
			}
		})

		s.it("round-trips a struct through the default codec", func(ctx SpecContext) {
			c := s.rec(nil)
			Expect(c.Set(ctx, "r", sampleRecord(7), adapter.NoExpiration)).To(Succeed())
			Expect(c.Get(ctx, "r")).To(Equal(sampleRecord(7)))
		})

		s.it("keeps many keys apart", func(ctx SpecContext) {
			c := s.rec(nil)
			for i := range 50 {
				Expect(c.Set(ctx, key(i), sampleRecord(i), adapter.NoExpiration)).To(Succeed())
			}
			for i := range 50 {
				Expect(c.Get(ctx, key(i))).To(Equal(sampleRecord(i)))
			}
		})
	})

	Describe("GetOrDefault", func() {
		s.it("returns the default when the key is missing", func(ctx SpecContext) {
			Expect(s.str(nil).GetOrDefault(ctx, "missing", "fallback")).To(Equal("fallback"))
			Expect(s.rec(nil).GetOrDefault(ctx, "missing", sampleRecord(3))).To(Equal(sampleRecord(3)))
		})

		s.it("returns the stored value, not the default, when the key exists", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.Set(ctx, "k", "stored", adapter.NoExpiration)).To(Succeed())
			Expect(c.GetOrDefault(ctx, "k", "fallback")).To(Equal("stored"))
		})

		s.it("returns a stored empty value rather than the default", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.Set(ctx, "k", "", adapter.NoExpiration)).To(Succeed())
			Expect(c.GetOrDefault(ctx, "k", "fallback")).To(BeEmpty())
		})

		s.it("returns failures other than a miss instead of the default", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(s.a.Close()).To(Succeed()) // the driver fails; the Cache itself is open
			v, err := c.GetOrDefault(ctx, "k", "fallback")
			Expect(err).To(MatchError(adapter.ErrClosed))
			Expect(v).NotTo(Equal("fallback"))
		})
	})
}

func (s *suite) describeSet() {
	Describe("Set", func() {
		s.it("overwrites the value of an existing key", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.Set(ctx, "k", "first", adapter.NoExpiration)).To(Succeed())
			Expect(c.Set(ctx, "k", "second", adapter.NoExpiration)).To(Succeed())
			Expect(c.Get(ctx, "k")).To(Equal("second"))
			r := s.rec(nil)
			Expect(r.Set(ctx, "r", sampleRecord(1), adapter.NoExpiration)).To(Succeed())
			Expect(r.Set(ctx, "r", sampleRecord(2), adapter.NoExpiration)).To(Succeed())
			Expect(r.Get(ctx, "r")).To(Equal(sampleRecord(2)))
		})

		s.it("replaces a short TTL with NoExpiration on overwrite", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 4 * s.u
			start := time.Now()
			Expect(c.Set(ctx, "k", "short", ttl)).To(Succeed())
			Expect(c.Set(ctx, "k", "forever", adapter.NoExpiration)).To(Succeed())
			sleepUntil(ctx, start.Add(ttl+2*s.u))
			Consistently(ctx, func() (string, error) { return c.Get(ctx, "k") }).
				WithTimeout(6 * s.u).WithPolling(s.u).Should(Equal("forever"))
		})

		s.it("replaces NoExpiration with a short TTL on overwrite", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 4 * s.u
			Expect(c.Set(ctx, "k", "forever", adapter.NoExpiration)).To(Succeed())
			start := time.Now()
			Expect(c.Set(ctx, "k", "short", ttl)).To(Succeed())
			v, err := c.Get(ctx, "k")
			s.expectAlive(start, ttl, err)
			Expect(v).To(Equal("short"))
			gone(ctx, s, c, "k", ttl)
		})

		s.it("stores an empty value as a value, not a miss", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.Set(ctx, "empty", "", adapter.NoExpiration)).To(Succeed())
			Expect(c.Get(ctx, "empty")).To(BeEmpty())
			Expect(c.GetMany(ctx, "empty")).To(Equal(map[string]string{"empty": ""}))
			Expect(c.UpdateTimeout(ctx, "empty", time.Hour)).To(BeEmpty())
			Expect(c.GetOrSet(ctx, "empty", time.Hour, mustNotLoad[string])).To(BeEmpty())
			Expect(c.Remove(ctx, "empty")).To(BeTrue())
		})

		s.it("driver: stores an empty or nil byte slice as a value, not a miss", func(ctx SpecContext) {
			kEmpty, kNil := s.key("empty"), s.key("nil")
			Expect(s.a.Set(ctx, kEmpty, []byte{}, adapter.NoExpiration)).To(Succeed())
			Expect(s.a.Set(ctx, kNil, nil, adapter.NoExpiration)).To(Succeed())
			for _, k := range []string{kEmpty, kNil} {
				Expect(s.a.Get(ctx, k)).To(BeEmpty(), "key %q", k)
				Expect(s.a.UpdateTimeout(ctx, k, time.Hour)).To(BeEmpty(), "key %q", k)
			}
			Expect(s.a.Remove(ctx, kEmpty, kNil)).To(BeTrue())
		})

		s.it("driver: does not keep a reference to the caller's slice", func(ctx SpecContext) {
			k := s.key("k")
			buf := []byte("original")
			Expect(s.a.Set(ctx, k, buf, adapter.NoExpiration)).To(Succeed())
			copy(buf, "MUTATED!")
			Expect(s.a.Get(ctx, k)).To(Equal([]byte("original")))

			c := s.bytes()
			buf2 := []byte("original")
			Expect(c.Set(ctx, "typed", buf2, adapter.NoExpiration)).To(Succeed())
			copy(buf2, "MUTATED!")
			Expect(c.Get(ctx, "typed")).To(Equal([]byte("original")))
		})

		s.it("driver: returns copies the caller may modify", func(ctx SpecContext) {
			k := s.key("k")
			Expect(s.a.Set(ctx, k, []byte("original"), adapter.NoExpiration)).To(Succeed())
			got, err := s.a.Get(ctx, k)
			Expect(err).NotTo(HaveOccurred())
			copy(got, "MUTATED!")
			got, err = s.a.UpdateTimeout(ctx, k, adapter.NoExpiration)
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(Equal([]byte("original")))
			copy(got, "MUTATED!")
			Expect(s.a.Get(ctx, k)).To(Equal([]byte("original")))
		})

		s.it("stores every byte value exactly", func(ctx SpecContext) {
			all := make([]byte, 256)
			for i := range all {
				all[i] = byte(i)
			}
			c := s.bytes()
			Expect(c.Set(ctx, "bin", all, adapter.NoExpiration)).To(Succeed())
			Expect(c.Get(ctx, "bin")).To(Equal(all))
			Expect(s.a.Get(ctx, s.key("bin"))).To(Equal(all))
		})

		s.it("stores a 256 KiB value", func(ctx SpecContext) {
			big := make([]byte, 256<<10)
			for i := range big {
				big[i] = byte(i * 7)
			}
			c := s.bytes()
			Expect(c.Set(ctx, "big", big, adapter.NoExpiration)).To(Succeed())
			Expect(c.Get(ctx, "big")).To(Equal(big))
		})

		s.it("driver: neither panics nor hangs on a TTL strata.Cache never passes, and keeps working", func(ctx SpecContext) {
			// What a driver does with them is unspecified: the Cache checks TTLs.
			k := s.key("k")
			b, _ := s.a.(adapter.Batcher)
			for _, ttl := range []time.Duration{adapter.DefaultTTL, -2, -time.Second, math.MinInt64} {
				_ = s.a.Set(ctx, k, []byte("v"), ttl)
				_, _ = s.a.UpdateTimeout(ctx, k, ttl)
				if b != nil {
					_ = b.SetMany(ctx, map[string][]byte{k: []byte("v")}, ttl)
				}
			}
			Expect(s.a.Set(ctx, k, []byte("after"), adapter.NoExpiration)).To(Succeed())
			Expect(s.a.Get(ctx, k)).To(Equal([]byte("after")))
		})
	})
}
