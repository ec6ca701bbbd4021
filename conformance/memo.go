package conformance

import (
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/internal/fastpath"
)

func (s *suite) describeMemoizer() {
	Describe("typed values handed to callers", func() {
		// Applies to every adapter: a Cache may keep decoded values (Memoizer), and
		// must then hand each caller its own copy.
		s.it("are the caller's own: modifying one does not change the next Get", func(ctx SpecContext) {
			c := s.rec(nil)
			Expect(c.Set(ctx, "k", sampleRecord(1), time.Hour)).To(Succeed())
			for range 2 {
				got, err := c.Get(ctx, "k")
				Expect(err).NotTo(HaveOccurred())
				Expect(got).To(Equal(sampleRecord(1)))
				got.Name, got.Tags[0], got.Attrs["k"] = "changed", "changed", "changed"
				got.Tags = append(got.Tags, "more")
			}
		})
	})

	Describe("optional capability Memoizer", func() {
		decodeAs := func(prefix string, calls *int) func([]byte) (any, error) {
			return func(b []byte) (any, error) {
				*calls++
				return prefix + string(b), nil
			}
		}

		s.it("returns the decoded stored value, never one kept for older bytes", func(ctx SpecContext) {
			m := s.memoizer()
			k := s.key("k")
			calls := 0
			Expect(s.a.Set(ctx, k, []byte("v1"), time.Hour)).To(Succeed())
			for range 3 {
				Expect(m.GetMemo(ctx, k, "tag", decodeAs("", &calls))).To(Equal("v1"))
			}
			Expect(calls).To(BeNumerically(">=", 1))
			Expect(s.a.Set(ctx, k, []byte("v2"), time.Hour)).To(Succeed())
			Expect(m.GetMemo(ctx, k, "tag", decodeAs("", &calls))).To(Equal("v2"))
			_, err := s.a.UpdateTimeout(ctx, k, 2*time.Hour)
			Expect(err).NotTo(HaveOccurred())
			Expect(m.GetMemo(ctx, k, "tag", decodeAs("", &calls))).To(Equal("v2"))
			Expect(s.a.Remove(ctx, k)).To(BeTrue())
			before := calls
			_, err = m.GetMemo(ctx, k, "tag", decodeAs("", &calls))
			Expect(err).To(MatchError(adapter.ErrNotFound))
			Expect(err.Error()).To(ContainSubstring(k))
			Expect(calls).To(Equal(before), "decode called for a missing key")
		})

		s.it("never returns a value kept under another tag", func(ctx SpecContext) {
			m := s.memoizer()
			k := s.key("k")
			calls := 0
			Expect(s.a.Set(ctx, k, []byte("v"), time.Hour)).To(Succeed())
			Expect(m.GetMemo(ctx, k, "a", decodeAs("a:", &calls))).To(Equal("a:v"))
			Expect(m.GetMemo(ctx, k, "b", decodeAs("b:", &calls))).To(Equal("b:v"))
			Expect(m.GetMemo(ctx, k, "a", decodeAs("a:", &calls))).To(Equal("a:v"))
		})

		s.it("returns decode's error as it is and keeps nothing", func(ctx SpecContext) {
			m := s.memoizer()
			k := s.key("k")
			calls := 0
			Expect(s.a.Set(ctx, k, []byte("v"), time.Hour)).To(Succeed())
			boom := errors.New("boom")
			_, err := m.GetMemo(ctx, k, "tag", func([]byte) (any, error) { return nil, boom })
			Expect(err).To(BeIdenticalTo(boom))
			Expect(m.GetMemo(ctx, k, "tag", decodeAs("", &calls))).To(Equal("v"))
			Expect(calls).To(Equal(1))
		})

		s.it("returns ErrClosed after Close without calling decode", func(ctx SpecContext) {
			m := s.memoizer()
			k := s.key("k")
			Expect(s.a.Set(ctx, k, []byte("v"), time.Hour)).To(Succeed())
			Expect(s.a.Close()).To(Succeed())
			calls := 0
			_, err := m.GetMemo(ctx, k, "tag", decodeAs("", &calls))
			Expect(err).To(MatchError(adapter.ErrClosed))
			Expect(calls).To(BeZero())
		})
	})
}

// memoizer returns the adapter's Memoizer, or skips the spec.
func (s *suite) memoizer() fastpath.Memoizer { return capability[fastpath.Memoizer](s, "Memoizer") }
