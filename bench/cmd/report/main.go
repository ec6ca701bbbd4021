// Command report turns the output of `go test -bench` rounds in bench/ into
// RESULTS.md: per-workload tables of medians, ranges and same-round ratios
// against raw go-redis, rueidis and raw ristretto, the machine, and the
// issue's targets as a checklist computed from the data.
//
//	go run ./cmd/report -in out/raw.txt -out RESULTS.md -benchtime 200ms
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

func main() {
	in := flag.String("in", "out/raw.txt", "go test -bench output of all rounds")
	out := flag.String("out", "RESULTS.md", "the Markdown file to write")
	benchtime := flag.String("benchtime", "", "the -benchtime the rounds used (default: the raw file's benchtime: line)")
	flag.Parse()
	if err := run(*in, *out, *benchtime); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(in, out, benchtime string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	d, err := Parse(f)
	f.Close()
	if err != nil {
		return err
	}
	if len(d.Results) == 0 {
		return fmt.Errorf("%s has no benchmark results", in)
	}
	if benchtime == "" {
		benchtime = d.Headers["benchtime"]
	}
	ix := NewIndex(d)
	w, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	Render(bw, d, ix, machine(d), Run{
		Rounds:    d.Rounds,
		Benchtime: orDash(benchtime),
		Date:      time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		Command:   "bench/run.sh",
	})
	if err := bw.Flush(); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	fmt.Printf("report: wrote %s (%d results, %d rounds)\n", out, len(d.Results), d.Rounds)
	return nil
}

// machine describes this machine, preferring what the benchmark binary
// printed (its Go version, the redis-server it talked to).
func machine(d *Data) Machine {
	m := Machine{
		CPU:        cpuModel(),
		Cores:      fmt.Sprint(runtime.NumCPU()),
		GOMAXPROCS: orDash(d.Headers["gomaxprocs"]),
		Go:         d.Headers["go"],
		Redis:      d.Headers["redis-server"],
		OS:         d.Headers["goos"] + "/" + d.Headers["goarch"],
	}
	if m.CPU == "" {
		m.CPU = orDash(d.Headers["cpu"])
	}
	if m.Go == "" {
		m.Go = runtime.Version()
	}
	if m.Redis == "" {
		if b, err := exec.Command("redis-server", "--version").Output(); err == nil {
			m.Redis = strings.TrimSpace(string(b))
		}
	}
	m.Redis = orDash(m.Redis)
	return m
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
