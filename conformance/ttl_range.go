package conformance

import (
	"context"
	"fmt"
	"math"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata/adapter"
)

// hugeTTLs are TTLs near the top of time.Duration, which programs use to say
// "forever": converting them to another unit, or adding a grace period or the
// current time, overflows in a careless driver.
var hugeTTLs = []time.Duration{
	math.MaxInt64,
	math.MaxInt64 - time.Millisecond,
	math.MaxInt64 - 1,
	math.MaxInt64 / 2,
	290 * 365 * 24 * time.Hour, // time.Duration ends at about 292 years
	100 * 365 * 24 * time.Hour,
}

// hugeTTLSlack is how much shorter than the TTL it was given a TTLReader may
// report a huge TTL (rounding, the time the spec took): far less than any of
// hugeTTLs, far more than a spec lasts.
const hugeTTLSlack = time.Hour

func (s *suite) describeTTLRange() {
	Describe("TTL range", func() {
		s.it("keeps a value Set with a TTL near the top of time.Duration", func(ctx SpecContext) {
			for i, ttl := range hugeTTLs {
				k := s.key(fmt.Sprint("set-", i))
				Expect(s.a.Set(ctx, k, []byte("v"), ttl)).To(Succeed(), "Set with ttl %d", int64(ttl))
				s.expectForever(ctx, k, "v", ttl, "after Set")
			}
		})

		s.it("keeps the values SetMany stores with a TTL near the top of time.Duration", func(ctx SpecContext) {
			c := s.str(nil)
			for i, ttl := range hugeTTLs {
				items := map[string]string{fmt.Sprint("a-", i): "x", fmt.Sprint("b-", i): "y"}
				Expect(c.SetMany(ctx, items, ttl)).To(Succeed(), "SetMany with ttl %d", int64(ttl))
				for name, v := range items {
					s.expectForever(ctx, s.key(name), v, ttl, "after SetMany")
				}
			}
		})

		s.it("returns the value and keeps the key when UpdateTimeout gives a TTL near the top of time.Duration", func(ctx SpecContext) {
			for i, ttl := range hugeTTLs {
				for _, from := range []time.Duration{time.Minute, adapter.NoExpiration} {
					k := s.key(fmt.Sprint("update-", i, "-", int64(from)))
					Expect(s.a.Set(ctx, k, []byte("v"), from)).To(Succeed())
					v, err := s.a.UpdateTimeout(ctx, k, ttl)
					Expect(err).NotTo(HaveOccurred(), "UpdateTimeout(%d) of a key stored for %v", int64(ttl), from)
					Expect(string(v)).To(Equal("v"), "UpdateTimeout(%d) must return the value", int64(ttl))
					s.expectForever(ctx, k, "v", ttl, "after UpdateTimeout")
				}
			}
		})

		s.it("keeps values stored with a TTL near the top of time.Duration as time passes", func(ctx SpecContext) {
			var keys []string
			for i, ttl := range hugeTTLs {
				k := s.key(fmt.Sprint("k-", i))
				Expect(s.a.Set(ctx, k, []byte("v"), time.Minute)).To(Succeed())
				Expect(s.a.UpdateTimeout(ctx, k, ttl)).To(Equal([]byte("v")))
				keys = append(keys, k)
			}
			// Past any grace period of the harness (a driver that made the
			// key expire at once may keep it that long).
			sleepUntil(ctx, time.Now().Add(s.h.Grace+4*s.u))
			for _, k := range keys {
				Expect(s.a.Get(ctx, k)).To(Equal([]byte("v")), "key %q must still be there", k)
			}
		})

		s.it("still takes a short TTL after a TTL near the top of time.Duration", func(ctx SpecContext) {
			c := s.str(nil)
			ttl := 4 * s.u
			Expect(c.Set(ctx, "k", "v", math.MaxInt64)).To(Succeed())
			start := time.Now()
			Expect(c.UpdateTimeout(ctx, "k", ttl)).To(Equal("v"))
			_, err := c.Get(ctx, "k")
			s.expectAlive(start, ttl, err)
			gone(ctx, s, c, "k", ttl)
		})
	})
}

// expectForever checks that the driver key k holds want, and that a TTLReader
// reports no expiry or at least ttl-hugeTTLSlack: a TTL beyond a backend's range
// saturates to no expiry, and is never negative or short.
func (s *suite) expectForever(ctx context.Context, k, want string, ttl time.Duration, what string) {
	GinkgoHelper()
	v, err := s.a.Get(ctx, k)
	Expect(err).NotTo(HaveOccurred(), "%s with ttl %d: Get(%q)", what, int64(ttl), k)
	Expect(string(v)).To(Equal(want), "%s with ttl %d: Get(%q)", what, int64(ttl), k)
	r, ok := s.a.(adapter.TTLReader)
	if !ok {
		return
	}
	v, left, err := r.GetWithTTL(ctx, k)
	Expect(err).NotTo(HaveOccurred(), "%s with ttl %d: GetWithTTL(%q)", what, int64(ttl), k)
	Expect(string(v)).To(Equal(want), "%s with ttl %d: GetWithTTL(%q)", what, int64(ttl), k)
	if left != adapter.NoExpiration {
		Expect(left).To(BeNumerically(">=", ttl-hugeTTLSlack),
			"%s with ttl %d: GetWithTTL(%q) must report NoExpiration or about the TTL given, got %v", what, int64(ttl), k, left)
	}
}
