package main

import (
	"bytes"
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
		"Redis Get, serial, 100B: within 1.05× of raw go-redis":                                              notMet, // paired 1.08, 1.10
		"Memory hit through Cache[[]byte], serial, 100B: within 1.3× of raw ristretto, at most 1 allocation": met,    // paired 1.25, 1.15; 1 alloc
		"Layered L1 hit, serial, 100B: at most 0.8× the time of a rueidis client-side-cache hit":             notMet, // paired 0.85, 0.81
		"GetMany(100), standalone: at most 0.03× the time of 100 sequential Gets":                            met,    // 0.02
		"Memory driver bytes per entry (100k × 100 B): within 1.2× of raw ristretto":                         met,    // 1.1
		"Redis Set, 64 goroutines, 100B: at least 1.25× the throughput of rueidis":                           noData,
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
		"1.12×", "pairwise, in alternating turns (median of 2 rounds, range 1.08×–1.10×", "| mean-ratio |", "strata-memory / ristretto = 1.20× measured pairwise", "- [x] **met** — GetMany(100), standalone", "| **strata-memory** | 330 | 330–330 | 100000 | 1.10× |"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
