package main

import (
	"fmt"
	"math"
	"strings"
)

// Check is one target of the issue, evaluated on the run's data. Its status is
// always decided on the median of per-round figures (ratios between subjects
// measured in separate benchmarks of the same round, or one subject's
// per-round value); Beside holds figures shown for comparison only (paired
// turns, peers), never the basis of the status.
type Check struct {
	Section  string
	Target   string
	Measured string // the figure the status is decided on
	Rounds   int    // rounds the figure is a median over
	Status   string // met, not met, no data, not measured
	Beside   string
}

const (
	met         = "met"
	notMet      = "not met"
	noData      = "no data"
	notMeasured = "not measured"
)

func status(ok bool) string {
	if ok {
		return met
	}
	return notMet
}

// The workloads the checks read, as bench names them (cmd/report does not
// import the bench package; TestChecksAndRender pins these names).
var (
	// redisVariants mirror bench's redisVariants: op and key count.
	redisVariants = []struct {
		op   string
		keys int
	}{{"get", 10000}, {"get", 1}, {"set", 10000}, {"set", 1}, {"mix", 10000}}
	redisConcs = []int{1, 4, 16, 64, 256}
)

const (
	stampedeGroup = "Stampede callers=1000 load=10ms"
	// stampedeBound is the loader's time + 2 ms, in ns.
	stampedeBound = 12e6
)

// Section titles, in the order Checks returns them.
const (
	secRedis   = "Redis, standalone: throughput of 100 B GET, SET and a 90/10 mix"
	secCluster = "Redis Cluster (3 masters)"
	secHits    = "In-process hits, 100 B"
	secLarge   = "Large values, 10 KiB"
	secStamp   = "GetOrSet stampede"
	secEarlier = "Earlier targets (Performance I), same method"
)

// ratioFigure formats a median of per-round ratios with its range.
func ratioFigure(rs []float64) string {
	if len(rs) == 0 {
		return "—"
	}
	s := Summarize(rs)
	if s.N == 1 {
		return fmtRatio(s.Median)
	}
	return fmt.Sprintf("%s (per-round %s–%s)", fmtRatio(s.Median), fmtRatio(s.Min), fmtRatio(s.Max))
}

// bound is one comparison of a throughput check: a's throughput over peer's
// at least min.
type bound struct {
	peer string
	min  float64
}

// throughputCheck checks a's throughput in group against each peer's: per
// round, the peer's ns/op over a's (ops/s of a over ops/s of the peer), median
// over rounds, at least the bound.
func throughputCheck(ix *Index, section, target, group, a string, bounds []bound) Check {
	c := Check{Section: section, Target: target, Status: met, Rounds: math.MaxInt}
	var parts []string
	for _, b := range bounds {
		rs := ix.Ratios(group, b.peer, group, a, "ns/op")
		if len(rs) == 0 {
			c.Status, c.Rounds = noData, 0
			parts = append(parts, fmt.Sprintf("vs %s: no rounds with both", b.peer))
			continue
		}
		c.Rounds = min(c.Rounds, len(rs))
		parts = append(parts, fmt.Sprintf("vs %s %s (want ≥ %.2f×)", b.peer, ratioFigure(rs), b.min))
		if c.Status == met && median(rs) < b.min {
			c.Status = notMet
		}
	}
	if c.Rounds == math.MaxInt {
		c.Rounds = 0
	}
	c.Measured = "throughput of " + a + " " + strings.Join(parts, "; ")
	return c
}

// timeCheck checks a's time per op in group against base's: per-round ratio,
// median over rounds, at most max. A paired group (BenchmarkGetPaired), if it
// has a mean-ratio for a, is shown beside.
func timeCheck(ix *Index, section, target, group, a, base string, most float64, paired string) Check {
	c := Check{Section: section, Target: target}
	rs := ix.Ratios(group, a, group, base, "ns/op")
	if len(rs) == 0 {
		c.Status, c.Measured = noData, fmt.Sprintf("no rounds with both %s and %s in %s", a, base, group)
		return c
	}
	c.Rounds = len(rs)
	c.Measured = fmt.Sprintf("time %s / %s = %s (want ≤ %.2f×)", a, base, ratioFigure(rs), most)
	c.Status = status(median(rs) <= most)
	if paired != "" {
		if p := ix.Values(paired, a, "mean-ratio"); len(p) > 0 {
			c.Beside = fmt.Sprintf("paired (alternating turns in one benchmark, %s): %s", rounds(len(p)), ratioFigure(p))
		}
	}
	return c
}

// Checks evaluates every target of the issue, in sections.
func Checks(ix *Index) []Check {
	var cs []Check
	cs = append(cs, redisChecks(ix)...)
	cs = append(cs, clusterChecks(ix)...)
	cs = append(cs, hitChecks(ix)...)
	cs = append(cs, largeChecks(ix)...)
	cs = append(cs, stampedeChecks(ix)...)
	cs = append(cs, earlierChecks(ix)...)
	return cs
}

func redisChecks(ix *Index) []Check {
	var cs []Check
	for _, v := range redisVariants {
		what := strings.ToUpper(v.op)
		if v.op == "mix" {
			what = "90/10 GET/SET mix"
		}
		if v.keys == 1 {
			what += ", one hot key"
		} else {
			what += fmt.Sprintf(", %dk keys", v.keys/1000)
		}
		for _, conc := range redisConcs {
			atLeast := 1.0
			if conc == 16 || conc == 64 {
				atLeast = 1.25
			}
			group := fmt.Sprintf("Redis op=%s keys=%d conc=%d", v.op, v.keys, conc)
			target := fmt.Sprintf("%s, %d goroutines: Strata's throughput ≥ %.2f× rueidis' and ≥ plain go-redis'", what, conc, atLeast)
			c := throughputCheck(ix, secRedis, target, group, "strata-redis", []bound{{"rueidis", atLeast}, {"goredis", 1}})
			if v.op == "get" && v.keys == 1 && conc == 1 {
				// GetPaired's strata-redis turns are serial hot-key GETs too.
				if p := ix.Values("GetPaired size=100B", "strata-redis", "mean-ratio"); len(p) > 0 {
					c.Beside = fmt.Sprintf("paired time strata-redis / goredis (alternating turns in one benchmark, %s): %s", rounds(len(p)), ratioFigure(p))
				}
			}
			cs = append(cs, c)
		}
	}
	return cs
}

func clusterChecks(ix *Index) []Check {
	get := throughputCheck(ix, secCluster, "GET (10k keys), 64 goroutines: throughput ≥ 1.25× rueidis' cluster client",
		"ClusterGet keys=10000 conc=64", "strata-redis-cluster", []bound{{"rueidis-cluster", 1.25}})
	many := batchCheck(ix, secCluster, "GetMany(100): at most 0.03× the time of 100 sequential Gets", "strata-redis-cluster", "rueidis-cluster")
	return []Check{get, many}
}

func hitChecks(ix *Index) []Check {
	return []Check{
		timeCheck(ix, secHits, "Memory hit through Cache[[]byte], serial: within 1.3× of raw ristretto",
			"Get size=100B conc=1", "strata-memory", "ristretto", 1.3, "GetPaired size=100B"),
		timeCheck(ix, secHits, "Memory hit through Cache[[]byte], 16 goroutines: within 1.3× of raw ristretto",
			"Get size=100B conc=16", "strata-memory", "ristretto", 1.3, ""),
		withoutCopy(ix, timeCheck(ix, secHits, "Layered L1 hit, serial: at most 0.8× the time of a rueidis client-side-cache hit",
			"Get size=100B conc=1", "strata-layered", "rueidis-cache", 0.8, "GetPaired size=100B")),
	}
}

// withoutCopy adds to c, the layered L1 hit target, the same rounds' ratio of a
// hit through Cache.View: rueidis' AsBytes returns its cache's own memory (no
// allocation), which Get's contract forbids, so View is the like-for-like read.
func withoutCopy(ix *Index, c Check) Check {
	const g = "Get size=100B conc=1"
	if rs := ix.Ratios(g, "strata-layered-view", g, "rueidis-cache", "ns/op"); len(rs) > 0 {
		v := fmt.Sprintf("without the copy Get must make (rueidis' AsBytes lends its cache's memory), strata-layered-view / rueidis-cache = %s", ratioFigure(rs))
		if c.Beside != "" {
			v = c.Beside + "; " + v
		}
		c.Beside = v
	}
	return c
}

// viewSubjects are the subjects a zero-copy Cache.View would add (memory and
// layered through View), and what each is held to.
var viewSubjects = []struct{ subject, base string }{
	{"strata-memory-view", "ristretto"},
	{"strata-layered-view", "rueidis-cache"},
}

func largeChecks(ix *Index) []Check {
	const g = "Get size=10KiB conc=1"
	cs := []Check{
		timeCheck(ix, secLarge, "Memory hit (Get, a copy), serial: within 2× of raw ristretto", g, "strata-memory", "ristretto", 2, "GetPaired size=10KiB"),
		timeCheck(ix, secLarge, "Layered L1 hit (Get, a copy), serial: within 2× of a rueidis client-side-cache hit", g, "strata-layered", "rueidis-cache", 2, "GetPaired size=10KiB"),
	}
	for _, v := range viewSubjects {
		target := fmt.Sprintf("%s hit through Cache.View (zero copy), serial: within 2× of %s", v.subject, v.base)
		if !ix.Has(g, v.subject) {
			cs = append(cs, Check{Section: secLarge, Target: target, Status: notMeasured,
				Measured: "TODO: not measured — Cache.View was not in the root package when bench/ was extended; add a " + v.subject + " subject to the Get workload"})
			continue
		}
		cs = append(cs, timeCheck(ix, secLarge, target, g, v.subject, v.base, 2, ""))
	}
	return cs
}

// stampedeChecks: for each Strata subject, one load per stampede (the most any
// stampede of any round made) and the callers' p99 (median over rounds of each
// round's p99) within the loader's time + 2 ms.
func stampedeChecks(ix *Index) []Check {
	var cs []Check
	var peers []string
	for _, s := range ix.subjects[stampedeGroup] {
		if !strings.HasPrefix(s, "strata-") {
			if p := ix.Values(stampedeGroup, s, "p99-ns"); len(p) > 0 {
				peers = append(peers, fmt.Sprintf("%s p99 %s, max %.0f loads", s, fmtNS(median(p)), maxOf(ix.Values(stampedeGroup, s, "max-loads"))))
			}
		}
	}
	for _, s := range []string{"strata-memory", "strata-redis", "strata-layered"} {
		c := Check{Section: secStamp, Target: s + ": 1,000 goroutines on one cold key, 10 ms loader: one load, every caller answered within 12 ms (p99)"}
		p99 := ix.Values(stampedeGroup, s, "p99-ns")
		loads := ix.Values(stampedeGroup, s, "max-loads")
		if len(p99) == 0 || len(loads) == 0 {
			c.Status, c.Measured = noData, "no stampede rounds for "+s
			cs = append(cs, c)
			continue
		}
		c.Rounds = len(p99)
		most := maxOf(loads)
		sum := Summarize(p99)
		c.Measured = fmt.Sprintf("at most %.0f load(s) in any stampede; callers' p99 %s (median of per-round p99s, range %s–%s; want ≤ %s)",
			most, fmtNS(sum.Median), fmtNS(sum.Min), fmtNS(sum.Max), fmtNS(stampedeBound))
		if mx := ix.Values(stampedeGroup, s, "max-ns"); len(mx) > 0 {
			c.Measured += fmt.Sprintf("; slowest caller %s", fmtNS(maxOf(mx)))
		}
		c.Status = status(most == 1 && sum.Median <= stampedeBound)
		c.Beside = strings.Join(peers, "; ")
		cs = append(cs, c)
	}
	return cs
}

// maxOf is the largest of vs, NaN if there are none.
func maxOf(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	m := math.Inf(-1)
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

func earlierChecks(ix *Index) []Check {
	var cs []Check
	peers := []string{"goredis-cache", "gocache-ristretto", "gocache-chain"}
	for _, s := range []string{"strata-memory", "strata-layered"} {
		cs = append(cs, fasterThanAll(ix, "Typed Cache[Item] hit, serial, on "+s+": faster than go-redis/cache and eko/gocache (same struct)",
			"TypedGet conc=1", s, peers))
	}
	cs = append(cs, batchCheck(ix, secEarlier, "GetMany(100), standalone: at most 0.03× the time of 100 sequential Gets", "strata-redis", "rueidis"))
	cs = append(cs, perEntryCheck(ix))
	return cs
}

func fasterThanAll(ix *Index, target, group, s string, peers []string) Check {
	c := Check{Section: secEarlier, Target: target, Rounds: math.MaxInt}
	var parts []string
	worst := math.Inf(-1)
	for _, p := range peers {
		rs := ix.Ratios(group, s, group, p, "ns/op")
		if len(rs) == 0 {
			parts = append(parts, p+": no data")
			worst = math.NaN()
			continue
		}
		c.Rounds = min(c.Rounds, len(rs))
		parts = append(parts, fmt.Sprintf("%s %s", p, ratioFigure(rs)))
		if r := median(rs); r > worst {
			worst = r
		}
	}
	c.Measured = "time vs " + strings.Join(parts, ", ") + " (want < 1×)"
	switch {
	case math.IsNaN(worst) || c.Rounds == math.MaxInt:
		c.Status, c.Rounds = noData, 0
	default:
		c.Status = status(worst < 1)
	}
	return c
}

// batchCheck checks subject's GetMany(100) against its own 100 sequential Gets
// in the same round, and shows peer's same ratio beside.
func batchCheck(ix *Index, section, target, subject, peer string) Check {
	rs := ix.Ratios("GetMany keys=100", subject, "GetSeq keys=100", subject, "ns/op")
	c := Check{Section: section, Target: target}
	if len(rs) == 0 {
		c.Status, c.Measured = noData, "no rounds with both GetMany and GetSeq of "+subject+" (cluster turned off?)"
		return c
	}
	c.Rounds = len(rs)
	c.Measured = fmt.Sprintf("%s: GetMany / GetSeq = %s (want ≤ 0.03×)", subject, ratioFigure(rs))
	c.Status = status(median(rs) <= 0.03)
	if p := ix.Ratios("GetMany keys=100", peer, "GetSeq keys=100", peer, "ns/op"); len(p) > 0 {
		c.Beside = fmt.Sprintf("%s in the same run: %s", peer, ratioFigure(p))
	}
	return c
}

func perEntryCheck(ix *Index) Check {
	g := "MemoryPerEntry entries=100000 size=100B"
	rs := ix.Ratios(g, "strata-memory", g, "ristretto", "B/entry")
	c := Check{Section: secEarlier, Target: "Memory driver bytes per entry (100k × 100 B): within 1.2× of raw ristretto"}
	if len(rs) == 0 {
		c.Status, c.Measured = noData, "no rounds with both strata-memory and ristretto"
		return c
	}
	c.Rounds = len(rs)
	a := Summarize(ix.Values(g, "strata-memory", "B/entry"))
	b := Summarize(ix.Values(g, "ristretto", "B/entry"))
	c.Measured = fmt.Sprintf("%.0f B vs %.0f B per entry = %s (want ≤ 1.20×)", a.Median, b.Median, ratioFigure(rs))
	c.Status = status(median(rs) <= 1.2)
	return c
}

func rounds(n int) string {
	if n == 1 {
		return "1 round"
	}
	return fmt.Sprintf("%d rounds", n)
}
