package main

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Result is one benchmark line of one round.
type Result struct {
	Round   int
	Bench   string   // the benchmark function without "Benchmark": Get, Set, ...
	Params  []string // the name's key=value parts other than subject, in order
	Subject string
	N       int64
	Metrics map[string]float64 // by unit: ns/op, B/op, allocs/op, ops/s, p50-ns, ...
}

// Group names the workload a result belongs to: Bench and Params.
func (r *Result) Group() string {
	if len(r.Params) == 0 {
		return r.Bench
	}
	return r.Bench + " " + strings.Join(r.Params, " ")
}

// Data is everything read from go test -bench output.
type Data struct {
	Results  []*Result
	Headers  map[string]string // first value of each "key: value" line
	Rounds   int
	Problems []string // --- FAIL and panic lines
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// Parse reads the output of one or more `go test -bench` runs. A "round: N"
// line starts round N; without such lines, the k-th occurrence of a benchmark
// name belongs to round k.
func Parse(r io.Reader) (*Data, error) {
	d := &Data{Headers: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	round := 0
	marked := false
	seen := map[string]int{}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Benchmark"):
			res := parseLine(line)
			if res == nil {
				continue
			}
			key := res.Group() + "/" + res.Subject
			seen[key]++
			if marked {
				res.Round = round
			} else {
				res.Round = seen[key]
			}
			d.Rounds = max(d.Rounds, res.Round)
			d.Results = append(d.Results, res)
		case strings.HasPrefix(line, "--- FAIL"), strings.HasPrefix(line, "panic:"), strings.HasPrefix(line, "FAIL"):
			d.Problems = append(d.Problems, line)
		default:
			k, v, ok := strings.Cut(line, ": ")
			if !ok || strings.ContainsAny(k, " \t") || k == "" {
				continue
			}
			if k == "round" {
				if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
					round, marked = n, true
				}
				continue
			}
			if _, dup := d.Headers[k]; !dup {
				d.Headers[k] = strings.TrimSpace(v)
			}
		}
	}
	return d, sc.Err()
}

// parseLine parses "BenchmarkGet/size=100B/conc=1/subject=x-2  N  v unit  v unit ...".
func parseLine(line string) *Result {
	f := strings.Fields(line)
	if len(f) < 4 || len(f)%2 != 0 {
		return nil
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return nil
	}
	name := procsSuffix.ReplaceAllString(f[0], "")
	parts := strings.Split(strings.TrimPrefix(name, "Benchmark"), "/")
	res := &Result{Bench: parts[0], N: n, Metrics: map[string]float64{}}
	for _, p := range parts[1:] {
		if s, ok := strings.CutPrefix(p, "subject="); ok {
			res.Subject = s
		} else {
			res.Params = append(res.Params, p)
		}
	}
	if res.Subject == "" {
		return nil
	}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return nil
		}
		res.Metrics[f[i+1]] = v
	}
	return res
}
