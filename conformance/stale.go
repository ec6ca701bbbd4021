package conformance

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata/adapter"
)

func (s *suite) staleReader() adapter.StaleReader {
	return capability[adapter.StaleReader](s, "StaleReader")
}

// describeStale checks adapter.StaleReader: fresh values are not stale, an expired
// value is readable as stale for exactly the grace period, and a removed or
// overwritten key never comes back through it.
func (s *suite) describeStale() {
	Describe("StaleReader", func() {
		s.it("returns a live value as not stale, and a miss for a missing key", func(ctx SpecContext) {
			r := s.staleReader()
			Expect(s.a.Set(ctx, s.key("k"), []byte("v"), time.Hour)).To(Succeed())
			v, stale, err := r.GetStale(ctx, s.key("k"))
			Expect(err).NotTo(HaveOccurred())
			Expect(v).To(Equal([]byte("v")))
			Expect(stale).To(BeFalse())
			_, _, err = r.GetStale(ctx, s.key("missing"))
			Expect(err).To(MatchError(adapter.ErrNotFound))
		})

		s.it("returns a copy: changing it changes nothing stored", func(ctx SpecContext) {
			r := s.staleReader()
			Expect(s.a.Set(ctx, s.key("k"), []byte("v"), time.Hour)).To(Succeed())
			v, _, err := r.GetStale(ctx, s.key("k"))
			Expect(err).NotTo(HaveOccurred())
			v[0] = 'X'
			Expect(s.a.Get(ctx, s.key("k"))).To(Equal([]byte("v")))
		})

		s.it("never returns a removed key", func(ctx SpecContext) {
			r := s.staleReader()
			Expect(s.a.Set(ctx, s.key("k"), []byte("v"), 2*s.u)).To(Succeed())
			Expect(s.a.Remove(ctx, s.key("k"))).To(BeTrue())
			_, _, err := r.GetStale(ctx, s.key("k"))
			Expect(err).To(MatchError(adapter.ErrNotFound))
		})

		if s.h.Grace <= 0 {
			s.it("without a grace period, misses once a key expired", func(ctx SpecContext) {
				r := s.staleReader()
				ttl := 2 * s.u
				start := time.Now()
				Expect(s.a.Set(ctx, s.key("k"), []byte("v"), ttl)).To(Succeed())
				sleepUntil(ctx, start.Add(ttl+2*s.u))
				_, _, err := r.GetStale(ctx, s.key("k"))
				Expect(err).To(MatchError(adapter.ErrNotFound), "Harness.Grace is 0: nothing is kept past expiry")
			})
			return
		}

		s.it(fmt.Sprintf("returns an expired value as stale during the grace period (%v), and misses after it", s.h.Grace), func(ctx SpecContext) {
			r := s.staleReader()
			ttl := 2 * s.u
			start := time.Now()
			Expect(s.a.Set(ctx, s.key("k"), []byte("v"), ttl)).To(Succeed())
			Eventually(ctx, func() error { _, err := s.a.Get(ctx, s.key("k")); return err }).
				WithTimeout(ttl + 10*s.u).WithPolling(s.poll).Should(MatchError(adapter.ErrNotFound))
			v, stale, err := r.GetStale(ctx, s.key("k"))
			if err != nil && time.Since(start) >= ttl+s.h.Grace {
				panic(inconclusive{fmt.Sprintf("GetStale came %v after Set, beyond ttl %v + grace %v", time.Since(start), ttl, s.h.Grace)})
			}
			Expect(err).NotTo(HaveOccurred(), "a value that expired less than Harness.Grace ago must be readable as stale")
			Expect(v).To(Equal([]byte("v")))
			Expect(stale).To(BeTrue())
			sleepUntil(ctx, start.Add(ttl+s.h.Grace+4*s.u))
			_, _, err = r.GetStale(ctx, s.key("k"))
			Expect(err).To(MatchError(adapter.ErrNotFound), "the value expired more than Harness.Grace ago")
		})

		s.it("returns the new value, not stale, after an expired key is written again", func(ctx SpecContext) {
			r := s.staleReader()
			ttl := 2 * s.u
			Expect(s.a.Set(ctx, s.key("k"), []byte("old"), ttl)).To(Succeed())
			Eventually(ctx, func() error { _, err := s.a.Get(ctx, s.key("k")); return err }).
				WithTimeout(ttl + 10*s.u).WithPolling(s.poll).Should(MatchError(adapter.ErrNotFound))
			Expect(s.a.Set(ctx, s.key("k"), []byte("new"), time.Hour)).To(Succeed())
			v, stale, err := r.GetStale(ctx, s.key("k"))
			Expect(err).NotTo(HaveOccurred())
			Expect(v).To(Equal([]byte("new")))
			Expect(stale).To(BeFalse())
		})
	})
}
