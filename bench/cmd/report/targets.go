package main

import (
	"fmt"
	"math"
	"strings"
)

// Check is one target of the issue, evaluated on the run's data.
type Check struct {
	Target   string
	Measured string
	Status   string // met, not met, no data
}

const (
	met    = "met"
	notMet = "not met"
	noData = "no data"
)

func status(ok bool) string {
	if ok {
		return met
	}
	return notMet
}

// pairedRatio checks a's "mean-ratio" in a paired group (a measured against
// base in alternating turns, see BenchmarkGetPaired) against a bound, and shows
// the unpaired ratio from group for comparison.
func pairedRatio(ix *Index, target, paired, a, group, base string, bound float64) Check {
	c := Check{Target: target}
	s := Summarize(ix.Values(paired, a, "mean-ratio"))
	if s.N == 0 {
		c.Status, c.Measured = noData, "no paired rounds for "+a+" in "+paired
		return c
	}
	c.Measured = fmt.Sprintf("%s / %s = %s measured pairwise, in alternating turns (median of %s, range %s–%s; bound %.2f×)",
		a, base, fmtRatio(s.Median), rounds(s.N), fmtRatio(s.Min), fmtRatio(s.Max), bound)
	if r, n := ix.Ratio(group, a, group, base, "ns/op"); n > 0 {
		c.Measured += fmt.Sprintf("; unpaired, from the table below: %s", fmtRatio(r))
	}
	c.Status = status(s.Median <= bound)
	return c
}

// throughputRatio checks a's throughput against b's: b's ns/op over a's.
func throughputRatio(ix *Index, target, group, a, b string, atLeast float64) Check {
	r, n := ix.Ratio(group, b, group, a, "ns/op")
	c := Check{Target: target}
	if n == 0 {
		c.Status, c.Measured = noData, fmt.Sprintf("no rounds with both %s and %s in %s", a, b, group)
		return c
	}
	c.Measured = fmt.Sprintf("throughput %s / %s = %s (median of %s; want ≥ %.2f×)", a, b, fmtRatio(r), rounds(n), atLeast)
	c.Status = status(r >= atLeast)
	return c
}

// Checks evaluates every target of the issue. Targets stated for a value size
// are evaluated at 100 B (the small value); SizedChecks repeats them at
// another size, for information.
func Checks(ix *Index) []Check {
	cs := SizedChecks(ix, "100B")
	peers := []string{"goredis-cache", "gocache-ristretto", "gocache-chain"}
	for _, s := range []string{"strata-memory", "strata-layered"} {
		cs = append(cs, fasterThanAll(ix, "Typed Cache[Item] hit, serial, on "+s+": faster than go-redis/cache and eko/gocache (same struct)",
			"TypedGet conc=1", s, peers))
	}
	cs = append(cs, batchCheck(ix, "GetMany(100), standalone: at most 0.03× the time of 100 sequential Gets", "strata-redis"))
	cs = append(cs, batchCheck(ix, "GetMany(100), Cluster (3 masters): at most 0.03× the time of 100 sequential Gets", "strata-redis-cluster"))
	cs = append(cs, perEntryCheck(ix))
	return cs
}

// SizedChecks evaluates the targets stated for hot-key Get and Set at one
// value size (100B or 10KiB).
func SizedChecks(ix *Index, size string) []Check {
	g := "Get size=" + size + " conc=1"
	paired := "GetPaired size=" + size
	var cs []Check
	cs = append(cs, pairedRatio(ix, "Redis Get, serial, "+size+": within 1.05× of raw go-redis",
		paired, "strata-redis", g, "goredis", 1.05))
	for _, op := range []string{"Get", "Set"} {
		cs = append(cs, throughputRatio(ix, fmt.Sprintf("Redis %s, 64 goroutines, %s: at least 1.25× the throughput of rueidis", op, size),
			op+" size="+size+" conc=64", "strata-redis", "rueidis", 1.25))
	}
	cs = append(cs, pairedRatio(ix, "Layered L1 hit, serial, "+size+": at most 0.8× the time of a rueidis client-side-cache hit",
		paired, "strata-layered", g, "rueidis-cache", 0.8))
	c := pairedRatio(ix, "Memory hit through Cache[[]byte], serial, "+size+": within 1.3× of raw ristretto, at most 1 allocation",
		paired, "strata-memory", g, "ristretto", 1.3)
	if allocs := Summarize(ix.Values(g, "strata-memory", "allocs/op")); allocs.N > 0 && c.Status != noData {
		c.Measured += fmt.Sprintf("; %.0f allocs/op", allocs.Median)
		if allocs.Median > 1 {
			c.Status = notMet
		}
	}
	return append(cs, c)
}

func fasterThanAll(ix *Index, target, group, s string, peers []string) Check {
	c := Check{Target: target}
	var parts []string
	worst := math.Inf(-1)
	for _, p := range peers {
		r, n := ix.Ratio(group, s, group, p, "ns/op")
		if n == 0 {
			parts = append(parts, p+": no data")
			worst = math.NaN()
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s", p, fmtRatio(r)))
		if r > worst {
			worst = r
		}
	}
	c.Measured = "time vs " + strings.Join(parts, ", ") + " (want < 1×)"
	switch {
	case math.IsNaN(worst):
		c.Status = noData
	default:
		c.Status = status(worst < 1)
	}
	return c
}

func batchCheck(ix *Index, target, subject string) Check {
	r, n := ix.Ratio("GetMany keys=100", subject, "GetSeq keys=100", subject, "ns/op")
	c := Check{Target: target}
	if n == 0 {
		c.Status, c.Measured = noData, "no rounds with both GetMany and GetSeq of "+subject+" (cluster turned off?)"
		return c
	}
	c.Measured = fmt.Sprintf("%s: GetMany / GetSeq = %s (median of %s; bound 0.03×)", subject, fmtRatio(r), rounds(n))
	c.Status = status(r <= 0.03)
	return c
}

func perEntryCheck(ix *Index) Check {
	g := "MemoryPerEntry entries=100000 size=100B"
	r, n := ix.Ratio(g, "strata-memory", g, "ristretto", "B/entry")
	c := Check{Target: "Memory driver bytes per entry (100k × 100 B): within 1.2× of raw ristretto"}
	if n == 0 {
		c.Status, c.Measured = noData, "no rounds with both strata-memory and ristretto"
		return c
	}
	a := Summarize(ix.Values(g, "strata-memory", "B/entry"))
	b := Summarize(ix.Values(g, "ristretto", "B/entry"))
	c.Measured = fmt.Sprintf("%.0f B vs %.0f B per entry = %s (median of %s; bound 1.20×)", a.Median, b.Median, fmtRatio(r), rounds(n))
	c.Status = status(r <= 1.2)
	return c
}

func rounds(n int) string {
	if n == 1 {
		return "1 round"
	}
	return fmt.Sprintf("%d rounds", n)
}
