package conformance

import (
	"context"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
)

// awkwardKeys are valid keys that trip up drivers that build commands, patterns or
// paths from keys. Each is used under the spec's random prefix.
var awkwardKeys = []struct{ name, key string }{
	{"unicode", "ключ-鍵-🔑-ü"},
	{"spaces", " a key  with spaces "},
	{"colons", "a:b::c:"},
	{"a Redis Cluster hash tag", "{tag}rest"},
	{"braces alone", "{}"},
	{"glob characters", "*?[ab]\\*"},
	{"a percent sign and a format verb", "100%s%d%%"},
	{"a newline, a tab and a carriage return", "line1\nline2\tx\r"},
	{"a NUL byte", "before\x00after"},
	{"invalid UTF-8", "\xff\xfe\xfd"},
	{"quotes and a backslash", `"'\`},
	{"a single byte", "x"},
	{"1 KiB", strings.Repeat("k", 1<<10)},
}

func (s *suite) describeKeys() {
	Describe("keys", func() {
		for _, ak := range awkwardKeys {
			s.it("accepts a key with "+ak.name+" in every operation", func(ctx SpecContext) {
				c := s.str(nil)
				k := ak.key
				Expect(c.Set(ctx, k, "v1", time.Hour)).To(Succeed())
				Expect(c.Get(ctx, k)).To(Equal("v1"))
				Expect(s.a.Get(ctx, s.key(k))).To(Equal([]byte("v1")))
				Expect(c.SetMany(ctx, map[string]string{k: "v2"}, time.Hour)).To(Succeed())
				Expect(c.GetMany(ctx, k)).To(Equal(map[string]string{k: "v2"}))
				Expect(c.UpdateTimeout(ctx, k, adapter.NoExpiration)).To(Equal("v2"))
				Expect(c.Remove(ctx, k)).To(BeTrue())
				_, err := c.Get(ctx, k)
				Expect(err).To(MatchError(adapter.ErrNotFound))
				Expect(c.GetOrSet(ctx, k, time.Hour, func(context.Context) (string, error) { return "v3", nil })).To(Equal("v3"))
				Expect(c.Get(ctx, k)).To(Equal("v3"))
			})
		}

		s.it("accepts a key of exactly MaxKeyLen bytes", func(ctx SpecContext) {
			k := s.pfx + strings.Repeat("m", adapter.MaxKeyLen-len(s.pfx))
			Expect(k).To(HaveLen(adapter.MaxKeyLen))
			c := s.bare()
			Expect(c.Set(ctx, k, "v", time.Hour)).To(Succeed())
			Expect(c.Get(ctx, k)).To(Equal("v"))
			Expect(s.a.Get(ctx, k)).To(Equal([]byte("v")))
			Expect(c.GetMany(ctx, k)).To(Equal(map[string]string{k: "v"}))
			Expect(c.UpdateTimeout(ctx, k, adapter.NoExpiration)).To(Equal("v"))
			if r, ok := s.a.(adapter.TTLReader); ok {
				v, ttl, err := r.GetWithTTL(ctx, k)
				Expect(err).NotTo(HaveOccurred())
				Expect(v).To(Equal([]byte("v")))
				Expect(ttl).To(Equal(adapter.NoExpiration))
			}
			Expect(c.Remove(ctx, k)).To(BeTrue())
		})

		s.it("keeps two prefixed caches on one adapter apart", func(ctx SpecContext) {
			one := s.str(&strata.Options[string]{Prefix: s.pfx + "one:"})
			two := s.str(&strata.Options[string]{Prefix: s.pfx + "two:"})
			Expect(one.Set(ctx, "k", "from one", adapter.NoExpiration)).To(Succeed())
			_, err := two.Get(ctx, "k")
			Expect(err).To(MatchError(adapter.ErrNotFound))
			Expect(two.Set(ctx, "k", "from two", adapter.NoExpiration)).To(Succeed())
			Expect(one.Get(ctx, "k")).To(Equal("from one"))
			Expect(two.Get(ctx, "k")).To(Equal("from two"))
			Expect(one.GetMany(ctx, "k", "other")).To(Equal(map[string]string{"k": "from one"}))
			Expect(two.Remove(ctx, "k")).To(BeTrue())
			Expect(one.Get(ctx, "k")).To(Equal("from one"))
			Expect(two.Remove(ctx, "k")).To(BeFalse())
		})

		s.it("prefixes keys by plain concatenation", func(ctx SpecContext) {
			prefixed := s.str(&strata.Options[string]{Prefix: s.pfx + "users:"})
			bare := s.str(nil) // the spec's prefix only
			Expect(prefixed.Set(ctx, "42", "v", adapter.NoExpiration)).To(Succeed())
			Expect(bare.Get(ctx, "users:42")).To(Equal("v"))
			Expect(s.a.Get(ctx, s.pfx+"users:42")).To(Equal([]byte("v")))
		})

		s.it("keeps keys that differ only in case or trailing bytes apart", func(ctx SpecContext) {
			c := s.str(nil)
			names := []string{"key", "KEY", "Key", "key ", "key\x00", "kéy"}
			for _, n := range names {
				Expect(c.Set(ctx, n, "value of "+n, adapter.NoExpiration)).To(Succeed())
			}
			for _, n := range names {
				Expect(c.Get(ctx, n)).To(Equal("value of "+n), "key %q", n)
			}
		})

		s.it("treats glob and pattern characters in keys literally", func(ctx SpecContext) {
			c := s.str(nil)
			Expect(c.Set(ctx, "k1", "1", adapter.NoExpiration)).To(Succeed())
			Expect(c.Set(ctx, "k2", "2", adapter.NoExpiration)).To(Succeed())
			for _, pattern := range []string{"k*", "k?", "k[12]", "*"} {
				_, err := c.Get(ctx, pattern)
				Expect(err).To(MatchError(adapter.ErrNotFound), "key %q", pattern)
				Expect(c.Remove(ctx, pattern)).To(BeFalse(), "key %q", pattern)
			}
			Expect(c.Set(ctx, "k*", "star", adapter.NoExpiration)).To(Succeed())
			Expect(c.Remove(ctx, "k*")).To(BeTrue())
			Expect(c.GetMany(ctx, "k1", "k2", "k*")).To(Equal(map[string]string{"k1": "1", "k2": "2"}))
		})
	})
}
