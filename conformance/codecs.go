package conformance

import (
	"context"
	"math/rand/v2"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/serializer"
)

func (s *suite) describeCodecs() {
	Describe("codecs", func() {
		s.it("returns ErrCodec for a value the codec cannot encode, and stores nothing", func(ctx SpecContext) {
			c := strata.New(s.a, &strata.Options[unencodable]{Prefix: s.pfx, Codec: serializer.JSON[unencodable]()})
			err := c.Set(ctx, "k", unencodable{Name: "x", Bad: make(chan int)}, time.Hour)
			Expect(err).To(MatchError(adapter.ErrCodec))
			_, err = s.a.Get(ctx, s.key("k"))
			Expect(err).To(MatchError(adapter.ErrNotFound))
		})

		s.it("leaves the previous value in place when a new one cannot be encoded", func(ctx SpecContext) {
			c := strata.New(s.a, &strata.Options[unencodable]{Prefix: s.pfx, Codec: serializer.JSON[unencodable]()})
			Expect(c.Set(ctx, "k", unencodable{Name: "kept"}, time.Hour)).To(Succeed())
			Expect(c.Set(ctx, "k", unencodable{Name: "new", Bad: make(chan int)}, time.Hour)).To(MatchError(adapter.ErrCodec))
			Expect(c.Get(ctx, "k")).To(Equal(unencodable{Name: "kept"}))
		})

		s.it("returns ErrCodec naming the key for bytes written by another codec", func(ctx SpecContext) {
			writer := s.rec(serializer.JSON[record]())
			reader := s.rec(serializer.MsgPack[record]())
			Expect(writer.Set(ctx, "written-as-json", sampleRecord(1), time.Hour)).To(Succeed())
			_, err := reader.Get(ctx, "written-as-json")
			Expect(err).To(MatchError(adapter.ErrCodec))
			Expect(err.Error()).To(ContainSubstring("written-as-json"))
			Expect(writer.Get(ctx, "written-as-json")).To(Equal(sampleRecord(1)), "the value itself is intact")
		})

		s.it("returns ErrCodec naming the key for raw bytes read with a tagged codec", func(ctx SpecContext) {
			Expect(s.str(nil).Set(ctx, "raw-text", `{"Name":"not tagged"}`, time.Hour)).To(Succeed())
			_, err := s.rec(nil).Get(ctx, "raw-text")
			Expect(err).To(MatchError(adapter.ErrCodec))
			Expect(err.Error()).To(ContainSubstring("raw-text"))
		})

		s.it("returns ErrCodec for an empty stored value read with a tagged codec", func(ctx SpecContext) {
			Expect(s.str(nil).Set(ctx, "empty", "", time.Hour)).To(Succeed())
			_, err := s.rec(nil).Get(ctx, "empty")
			Expect(err).To(MatchError(adapter.ErrCodec))
		})

		s.it("returns ErrCodec from GetMany and UpdateTimeout for undecodable bytes", func(ctx SpecContext) {
			Expect(s.str(nil).Set(ctx, "bad", "\x00garbage", time.Hour)).To(Succeed())
			c := s.rec(nil)
			Expect(c.Set(ctx, "good", sampleRecord(1), time.Hour)).To(Succeed())
			_, err := c.GetMany(ctx, "good", "bad")
			Expect(err).To(MatchError(adapter.ErrCodec))
			Expect(err.Error()).To(ContainSubstring("bad"))
			_, err = c.UpdateTimeout(ctx, "bad", time.Hour)
			Expect(err).To(MatchError(adapter.ErrCodec))
		})

		s.it("never panics or returns garbage for corrupted bytes", func(ctx SpecContext) {
			good, err := serializer.MsgPack[record]().Marshal(sampleRecord(9))
			Expect(err).NotTo(HaveOccurred())
			rng := rand.New(rand.NewPCG(uint64(GinkgoRandomSeed()), 7))
			raw := s.bytes()
			c := s.rec(nil)
			for i := range 100 {
				b := append([]byte(nil), good...)
				switch i % 3 {
				case 0: // truncate
					b = b[:rng.IntN(len(b))]
				case 1: // flip bytes after the tag
					for range 1 + rng.IntN(4) {
						b[1+rng.IntN(len(b)-1)] ^= byte(1 + rng.IntN(255))
					}
				case 2: // random bytes behind a valid tag
					b = append(b[:1], make([]byte, rng.IntN(64))...)
					for j := 1; j < len(b); j++ {
						b[j] = byte(rng.Uint32())
					}
				}
				Expect(raw.Set(ctx, "k", b, time.Hour)).To(Succeed())
				v, err := c.Get(ctx, "k")
				if err != nil {
					Expect(err).To(MatchError(adapter.ErrCodec), "bytes %x", b)
					Expect(v).To(BeZero(), "on error the zero value, never a partly decoded one")
				}
			}
		})

		s.it("never returns garbage from GetOrSet over undecodable bytes", func(ctx SpecContext) {
			Expect(s.str(nil).Set(ctx, "k", "\x00garbage", time.Hour)).To(Succeed())
			v, err := s.rec(nil).GetOrSet(ctx, "k", time.Hour, func(context.Context) (record, error) {
				return sampleRecord(4), nil
			})
			if err != nil {
				Expect(err).To(MatchError(adapter.ErrCodec))
			} else {
				Expect(v).To(Equal(sampleRecord(4)))
			}
		})

		s.it("stores raw values exactly, with no tag", func(ctx SpecContext) {
			Expect(s.str(nil).Set(ctx, "k", "plain text", time.Hour)).To(Succeed())
			Expect(s.a.Get(ctx, s.key("k"))).To(Equal([]byte("plain text")))
			Expect(s.a.Set(ctx, s.key("from-elsewhere"), []byte("written by another program"), time.Hour)).To(Succeed())
			Expect(s.str(nil).Get(ctx, "from-elsewhere")).To(Equal("written by another program"))
		})

		for _, name := range []string{"msgpack", "gob", "json"} {
			s.it("round-trips a struct with the "+name+" codec", func(ctx SpecContext) {
				codec, err := serializer.ByName[record](name)
				Expect(err).NotTo(HaveOccurred())
				c := s.rec(codec)
				Expect(c.Set(ctx, "r", sampleRecord(3), time.Hour)).To(Succeed())
				Expect(c.Get(ctx, "r")).To(Equal(sampleRecord(3)))
				Expect(c.GetMany(ctx, "r")).To(Equal(map[string]record{"r": sampleRecord(3)}))
			})
		}
	})
}
