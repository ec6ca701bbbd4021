package conformance

import (
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/internal/fastpath"
)

func (s *suite) describeViewer() {
	Describe("optional capability Viewer", func() {
		s.it("calls fn once with the stored value", func(ctx SpecContext) {
			vw := s.viewer()
			k := s.key("k")
			Expect(s.a.Set(ctx, k, []byte("value"), time.Hour)).To(Succeed())
			var seen []string
			Expect(vw.View(ctx, k, func(v []byte) error { seen = append(seen, string(v)); return nil })).To(Succeed())
			Expect(seen).To(Equal([]string{"value"}))
		})

		s.it("returns fn's error as it is", func(ctx SpecContext) {
			vw := s.viewer()
			k := s.key("k")
			Expect(s.a.Set(ctx, k, []byte("value"), time.Hour)).To(Succeed())
			boom := errors.New("boom")
			Expect(vw.View(ctx, k, func([]byte) error { return boom })).To(BeIdenticalTo(boom))
		})

		s.it("returns ErrNotFound naming a missing key without calling fn", func(ctx SpecContext) {
			vw := s.viewer()
			k := s.key("missing")
			called := false
			err := vw.View(ctx, k, func([]byte) error { called = true; return nil })
			Expect(err).To(MatchError(adapter.ErrNotFound))
			Expect(err.Error()).To(ContainSubstring(k))
			Expect(called).To(BeFalse())
		})
	})
}

// viewer returns the adapter's Viewer, or skips the spec.
func (s *suite) viewer() fastpath.Viewer { return capability[fastpath.Viewer](s, "Viewer") }
