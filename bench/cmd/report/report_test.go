package main

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
)

const sample = `benchtime: 50ms
round: 1
redis-server: 7.0.15
go: go1.26.8
gomaxprocs: 2
goos: linux
goarch: amd64
cpu: Test CPU
BenchmarkGet/size=100B/conc=1/subject=strata-redis-2    1000   52000 ns/op   19230 ops/s   50000 p50-ns   90000 p99-ns   328 B/op   7 allocs/op
BenchmarkGet/size=100B/conc=1/subject=goredis-2         1000   50000 ns/op   20000 ops/s   50000 p50-ns   90000 p99-ns   328 B/op   7 allocs/op
BenchmarkGet/size=100B/conc=1/subject=strata-memory-2   1000     120 ns/op  8333333 ops/s   112 B/op   1 allocs/op
BenchmarkGet/size=100B/conc=1/subject=ristretto-2       1000     100 ns/op 10000000 ops/s     0 B/op   0 allocs/op
BenchmarkGetMany/keys=100/subject=strata-redis-2         100  100000 ns/op
BenchmarkGetSeq/keys=100/subject=strata-redis-2           10 5000000 ns/op
BenchmarkMemoryPerEntry/entries=100000/size=100B/subject=strata-memory-2  1  3 ns/op  330 B/entry  100000 entries
BenchmarkMemoryPerEntry/entries=100000/size=100B/subject=ristretto-2      1  3 ns/op  300 B/entry  100000 entries
BenchmarkGetPaired/size=100B/subject=strata-redis-2     1000  100000 ns/op  1.08 mean-ratio
BenchmarkGetPaired/size=100B/subject=strata-memory-2    1000   60000 ns/op  1.25 mean-ratio
BenchmarkGetPaired/size=100B/subject=strata-layered-2   1000   60000 ns/op  0.85 mean-ratio
round: 2
BenchmarkGetPaired/size=100B/subject=strata-memory-2    1000   60000 ns/op  1.15 mean-ratio
BenchmarkGetPaired/size=100B/subject=strata-layered-2   1000   60000 ns/op  0.81 mean-ratio
BenchmarkGetPaired/size=100B/subject=strata-redis-2     1000  100000 ns/op  1.10 mean-ratio
BenchmarkGet/size=100B/conc=1/subject=strata-redis-2    1000   60000 ns/op
BenchmarkGet/size=100B/conc=1/subject=goredis-2         1000   50000 ns/op
--- FAIL: BenchmarkGet/size=100B/conc=1/subject=otter
`

func TestParseAndRatios(t *testing.T) {
	d, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if d.Rounds != 2 || len(d.Results) != 16 || d.Headers["redis-server"] != "7.0.15" || d.Headers["benchtime"] != "50ms" {
		t.Fatalf("rounds %d, results %d, headers %v", d.Rounds, len(d.Results), d.Headers)
	}
	if len(d.Problems) != 1 {
		t.Fatalf("problems %v", d.Problems)
	}
	r := d.Results[0]
	if r.Bench != "Get" || r.Subject != "strata-redis" || r.Group() != "Get size=100B conc=1" || r.Metrics["p99-ns"] != 90000 {
		t.Fatalf("parsed %+v", r)
	}
	ix := NewIndex(d)
	// Same-round ratios 1.04 and 1.2: median 1.12.
	if got, n := ix.Ratio("Get size=100B conc=1", "strata-redis", "Get size=100B conc=1", "goredis", "ns/op"); n != 2 || got < 1.119 || got > 1.121 {
		t.Fatalf("ratio %v over %d rounds", got, n)
	}
	if s := Summarize(ix.Values("Get size=100B conc=1", "strata-redis", "ns/op")); s.Min != 52000 || s.Max != 60000 {
		t.Fatalf("summary %+v", s)
	}
}

func TestParseWithoutRoundMarkers(t *testing.T) {
	in := "BenchmarkSet/subject=a-8 10 5 ns/op\nBenchmarkSet/subject=a-8 10 7 ns/op\n"
	d, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if d.Rounds != 2 || d.Results[1].Round != 2 {
		t.Fatalf("rounds %d", d.Rounds)
	}
}

func TestChecksAndRender(t *testing.T) {
	d, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex(d)
	status := map[string]string{}
	for _, c := range Checks(ix) {
		status[c.Target] = c.Status
	}
	for target, want := range map[string]string{
		// Unpaired per-round ratios decide: round 1 only, 120/100 = 1.2 (the paired 1.25 and 1.15 are beside).
		"Memory hit through Cache[[]byte], serial: within 1.3× of raw ristretto":                      met,
		"GetMany(100), standalone: at most 0.03× the time of 100 sequential Gets":                     met, // 0.02
		"Memory driver bytes per entry (100k × 100 B): within 1.2× of raw ristretto":                  met, // 1.1
		"Layered L1 hit, serial: at most 0.8× the time of a rueidis client-side-cache hit":            noData,
		"GET, one hot key, 64 goroutines: Strata's throughput ≥ 1.25× rueidis' and ≥ plain go-redis'": noData,
		"strata-memory-view hit through Cache.View (zero copy), serial: within 2× of ristretto":       notMeasured,
	} {
		if status[target] != want {
			t.Errorf("%s: %q, want %q", target, status[target], want)
		}
	}
	var buf bytes.Buffer
	Render(&buf, d, ix, Machine{CPU: "Test CPU", Cores: "2", GOMAXPROCS: "2", Go: "go1.26.8", Redis: "7.0.15", OS: "linux/amd64"},
		Run{Rounds: 2, Benchtime: "50ms", Date: "today", Command: "test"})
	out := buf.String()
	for _, want := range []string{"| CPU | Test CPU |", "### Get: size=100B conc=1", "| **strata-redis** | remote | 56.0 µs | 52.0 µs–60.0 µs",
		"1.12×", "| mean-ratio |", "time strata-memory / ristretto = 1.20× (want ≤ 1.30×); median of 1 round  \n  *beside:* paired (alternating turns in one benchmark, 2 rounds): 1.20× (per-round 1.15×–1.25×)",
		"- [x] **met** — GetMany(100), standalone", "| **strata-memory** | 330 | 330–330 | 100000 | 1.10× |",
		"### In-process hits, 100 B", "- [ ] **not measured** — strata-memory-view", "TODO: not measured"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// rounds3 is three rounds of synthetic results in which the median of the
// per-round ratios differs from the ratio of the medians. Strata's and
// rueidis' ns/op are 10/30, 30/33 and 20/24: per-round throughput ratios 3.0,
// 1.1 and 1.2 (median 1.2), medians 20 and 30 (ratio 1.5).
func rounds3(extra func(round int) string) string {
	strata := []float64{10, 30, 20}
	rueidis := []float64{30, 33, 24}
	goredis := []float64{40, 40, 40}
	var b strings.Builder
	for r := range 3 {
		fmt.Fprintf(&b, "round: %d\n", r+1)
		for _, conc := range []int{1, 16} {
			// Rotate the order within the round, as run.sh's BENCH_ROUND does.
			lines := []string{
				fmt.Sprintf("BenchmarkRedis/op=get/keys=10000/conc=%d/subject=strata-redis-2 100 %g ns/op", conc, strata[r]),
				fmt.Sprintf("BenchmarkRedis/op=get/keys=10000/conc=%d/subject=rueidis-2 100 %g ns/op", conc, rueidis[r]),
				fmt.Sprintf("BenchmarkRedis/op=get/keys=10000/conc=%d/subject=goredis-2 100 %g ns/op", conc, goredis[r]),
			}
			for i := range lines {
				b.WriteString(lines[(i+r)%len(lines)] + "\n")
			}
		}
		if extra != nil {
			b.WriteString(extra(r + 1))
		}
	}
	return b.String()
}

func checksOf(t *testing.T, in string) map[string]Check {
	t.Helper()
	d, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]Check{}
	for _, c := range Checks(NewIndex(d)) {
		m[c.Target] = c
	}
	return m
}

func TestRatioIsMedianOfPerRoundRatios(t *testing.T) {
	d, err := Parse(strings.NewReader(rounds3(nil) + "round: 4\nBenchmarkRedis/op=get/keys=10000/conc=1/subject=rueidis-2 100 1000 ns/op\n"))
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex(d)
	const g = "Redis op=get keys=10000 conc=1"
	// Round 4 has rueidis only: it is left out, not paired with another round's strata.
	rs := ix.Ratios(g, "rueidis", g, "strata-redis", "ns/op")
	if want := []float64{3, 1.1, 1.2}; len(rs) != 3 || math.Abs(rs[0]-want[0]) > 1e-9 || math.Abs(rs[1]-want[1]) > 1e-9 || math.Abs(rs[2]-want[2]) > 1e-9 {
		t.Fatalf("per-round ratios %v, want %v", rs, want)
	}
	if r, n := ix.Ratio(g, "rueidis", g, "strata-redis", "ns/op"); n != 3 || math.Abs(r-1.2) > 1e-9 {
		t.Fatalf("Ratio = %v over %d rounds, want the median of per-round ratios 1.2 over 3", r, n)
	}
	// The ratio of the medians would be 30/20 = 1.5.
	if a, b := median(ix.Values(g, "strata-redis", "ns/op")), median(ix.Values(g, "rueidis", "ns/op")); b/a < 1.49 {
		t.Fatalf("synthetic data no longer tells the two apart: medians %v and %v", a, b)
	}
}

func TestRedisChecks(t *testing.T) {
	cs := checksOf(t, rounds3(nil))
	// 16 goroutines: 1.25× needed; per-round median 1.2 (the ratio of medians, 1.5, would pass).
	c16 := cs["GET, 10k keys, 16 goroutines: Strata's throughput ≥ 1.25× rueidis' and ≥ plain go-redis'"]
	if c16.Status != notMet || c16.Rounds != 3 || !strings.Contains(c16.Measured, "vs rueidis 1.20× (per-round 1.10×–3.00×) (want ≥ 1.25×)") {
		t.Errorf("conc=16: %+v", c16)
	}
	// 1 goroutine: at least rueidis (1.2) and go-redis (40/10, 40/30, 40/20: median 2): met.
	c1 := cs["GET, 10k keys, 1 goroutines: Strata's throughput ≥ 1.00× rueidis' and ≥ plain go-redis'"]
	if c1.Status != met || c1.Rounds != 3 || !strings.Contains(c1.Measured, "vs goredis 2.00×") {
		t.Errorf("conc=1: %+v", c1)
	}
	if c := cs["SET, one hot key, 64 goroutines: Strata's throughput ≥ 1.25× rueidis' and ≥ plain go-redis'"]; c.Status != noData || c.Rounds != 0 {
		t.Errorf("no SET data: %+v", c)
	}
	n := 0
	for _, c := range cs {
		if c.Section == secRedis {
			n++
		}
	}
	if n != 25 {
		t.Errorf("%d Redis checks, want 5 variants × 5 concurrencies", n)
	}
	// Strata below go-redis in one variant fails it even when rueidis is beaten.
	slow := strings.ReplaceAll(rounds3(nil), "subject=goredis-2 100 40 ns/op", "subject=goredis-2 100 15 ns/op")
	if c := checksOf(t, slow)["GET, 10k keys, 1 goroutines: Strata's throughput ≥ 1.00× rueidis' and ≥ plain go-redis'"]; c.Status != notMet {
		t.Errorf("slower than go-redis: %+v", c)
	}
}

func TestStampedeAndViewChecks(t *testing.T) {
	extra := func(round int) string {
		loads := 1
		if round == 2 {
			loads = 2 // one stampede of one round loaded twice: not met, whatever the median
		}
		return fmt.Sprintf(`BenchmarkStampede/callers=1000/load=10ms/subject=strata-memory-2 2 12000000 ns/op 1.000 loads/op 1 max-loads 11000000 p50-ns %d p99-ns 11900000 max-ns
BenchmarkStampede/callers=1000/load=10ms/subject=strata-redis-2 2 12000000 ns/op %d loads/op %d max-loads 11000000 p50-ns 11500000 p99-ns 11900000 max-ns
BenchmarkStampede/callers=1000/load=10ms/subject=otter-2 2 12000000 ns/op 1 loads/op 1 max-loads 11000000 p50-ns 10500000 p99-ns 11000000 max-ns
BenchmarkGet/size=10KiB/conc=1/subject=strata-memory-view-2 1000 %d ns/op
BenchmarkGet/size=10KiB/conc=1/subject=ristretto-2 1000 100 ns/op
`, 11_000_000+round*1_000_000, loads, loads, 150+round*30)
	}
	cs := checksOf(t, rounds3(extra))
	const tail = ": 1,000 goroutines on one cold key, 10 ms loader: one load, every caller answered within 12 ms (p99)"
	// strata-memory: p99s 12, 13, 14 ms: median 13 ms > 12 ms.
	if c := cs["strata-memory"+tail]; c.Status != notMet || c.Rounds != 3 || !strings.Contains(c.Measured, "at most 1 load(s)") || !strings.Contains(c.Measured, "p99 13.00 ms") ||
		!strings.Contains(c.Beside, "otter p99 10.50 ms, max 1 loads") {
		t.Errorf("strata-memory: %+v", c)
	}
	if c := cs["strata-redis"+tail]; c.Status != notMet || !strings.Contains(c.Measured, "at most 2 load(s)") {
		t.Errorf("strata-redis: %+v", c)
	}
	if c := cs["strata-layered"+tail]; c.Status != noData {
		t.Errorf("strata-layered: %+v", c)
	}
	// View: 180, 210, 240 ns over 100 ns: median 2.1 > 2.
	if c := cs["strata-memory-view hit through Cache.View (zero copy), serial: within 2× of ristretto"]; c.Status != notMet || c.Rounds != 3 {
		t.Errorf("view: %+v", c)
	}
	if c := cs["strata-layered-view hit through Cache.View (zero copy), serial: within 2× of rueidis-cache"]; c.Status != notMeasured {
		t.Errorf("layered view: %+v", c)
	}
}
