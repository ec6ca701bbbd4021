package conformance

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/registry"
	"github.com/stratacache/strata/serializer"
)

// probeKeys is how many distinct keys the latency probe writes and reads.
const probeKeys = 100

// probeValueLen is the length of the values the probe writes.
const probeValueLen = 128

// probeTTL is the TTL of everything the probe and the cleanup markers write, so
// that keys a failed cleanup left behind still go away by themselves.
const probeTTL = 10 * time.Minute

// probe times ops calls each of Set, Get and GetMany over a Cache[[]byte] with
// prefix pfx on a, and returns the figures and the adapter keys it wrote. It
// stops at the first error.
func probe(ctx context.Context, a adapter.Adapter, pfx string, ops int) (lat []Latency, written []string, err error) {
	c := strata.New(a, &strata.Options[[]byte]{Prefix: pfx, Codec: serializer.Raw[[]byte]()}) // not closed: a is Check's
	names := make([]string, probeKeys)
	for i := range names {
		names[i] = fmt.Sprintf("k%03d", i)
	}
	value := make([]byte, probeValueLen)
	_, _ = rand.Read(value)
	batch := make([]string, GetManyKeys)

	calls := []struct {
		op   string
		call func(i int) error
	}{
		{"Set", func(i int) error {
			if i < probeKeys {
				written = append(written, pfx+names[i])
			}
			return c.Set(ctx, names[i%probeKeys], value, probeTTL)
		}},
		{"Get", func(i int) error {
			_, err := c.Get(ctx, names[i%probeKeys]) // a miss (an evicted key) is timed too
			return err
		}},
		{"GetMany", func(i int) error {
			for j := range batch {
				batch[j] = names[(i*GetManyKeys+j)%probeKeys]
			}
			_, err := c.GetMany(ctx, batch...)
			return err
		}},
	}
	for _, k := range calls {
		d := make([]time.Duration, 0, ops)
		for i := range ops {
			start := time.Now()
			if err := k.call(i); err != nil && !errors.Is(err, adapter.ErrNotFound) {
				return lat, written, fmt.Errorf("latency probe, %s: %w", k.op, err)
			}
			d = append(d, time.Since(start))
		}
		lat = append(lat, latencyOf(k.op, d))
	}
	return lat, written, nil
}

// latencyOf sums up the durations of one kind of call.
func latencyOf(op string, d []time.Duration) Latency {
	slices.Sort(d)
	l := Latency{Op: op, Ops: len(d)}
	if len(d) > 0 {
		l.P50, l.P99, l.Max = percentile(d, 50), percentile(d, 99), d[len(d)-1]
	}
	return l
}

// percentile returns the q-th percentile of sorted, the nearest-rank way: the
// smallest value at least q% of the values do not exceed.
func percentile(sorted []time.Duration, q int) time.Duration {
	rank := (q*len(sorted) + 99) / 100 // ceil(q/100 * n)
	return sorted[max(rank, 1)-1]
}

// cleanup writes markers at several depths under prefix (and names that glob
// patterns treat specially), clears prefix with a ctx of its own (it runs even
// when the caller's has ended), and reads back the markers and the probe's keys.
func cleanup(ctx context.Context, a adapter.Adapter, cl adapter.Clearer, prefix string, written []string) Cleanup {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	known := slices.Clone(written)
	for _, m := range []string{"marker", "marker:nested:deeper", "*marker?[x]\\", "zz"} {
		if err := a.Set(cctx, prefix+m, []byte("strata-check"), probeTTL); err == nil {
			known = append(known, prefix+m)
		}
	}
	var res Cleanup
	if res.Err = cl.Clear(cctx, prefix); res.Err != nil {
		res.Err = fmt.Errorf("Clear(%q): %w", prefix, res.Err)
		return res
	}
	for _, k := range known {
		res.Checked++
		switch _, err := a.Get(cctx, k); {
		case err == nil:
			res.Remaining = append(res.Remaining, k)
		case !errors.Is(err, adapter.ErrNotFound):
			res.Err = fmt.Errorf("reading back %q after Clear: %w", k, err)
			return res
		}
	}
	return res
}

// printer writes Check's progress, with the URL's secrets hidden.
type printer struct {
	w              io.Writer
	quiet, verbose bool
	secrets        []string
}

// scrub hides the URL's secrets in s.
func (p *printer) scrub(s string) string {
	if len(p.secrets) == 0 {
		return s
	}
	return registry.Scrub(errors.New(s), p.secrets...).Error()
}

// scrubErr hides the URL's secrets in err's text, keeping what it wraps.
func (p *printer) scrubErr(err error) error { return registry.Scrub(err, p.secrets...) }

// printf writes to the progress writer, if any.
func (p *printer) printf(format string, args ...any) {
	if p.w == nil {
		return
	}
	_, _ = io.WriteString(p.w, p.scrub(fmt.Sprintf(format, args...)))
}

// maxMessageLines is how much of a failure message Progress shows unless Verbose.
const maxMessageLines = 6

// failed prints a failed spec and the start of its message (all of it, and
// where it failed, when verbose).
func (p *printer) failed(f FailedSpec, took time.Duration) {
	p.printf("FAIL  %s (%v)\n", f.Name, took.Round(time.Millisecond))
	lines := strings.Split(strings.TrimRight(f.Message, "\n"), "\n")
	if !p.verbose && len(lines) > maxMessageLines {
		lines = append(lines[:maxMessageLines], "... (-v shows the whole message)")
	}
	for _, l := range lines {
		p.printf("      %s\n", l)
	}
	if p.verbose && f.Location != "" {
		p.printf("      at %s\n", f.Location)
	}
}

// summary prints the counts, the latency figures, the cleanup and the verdict.
func (p *printer) summary(res *CheckResult) {
	p.printf("\nspecs: %d passed, %d failed, %d skipped (capabilities the driver lacks, or not run)\n",
		res.SpecsPassed, len(res.Failed), res.SpecsSkipped)
	if res.Incomplete != "" {
		p.printf("incomplete: %s\n", res.Incomplete)
	}
	for _, l := range res.Latency {
		op := l.Op
		if op == "GetMany" {
			op = fmt.Sprintf("GetMany(%d keys)", GetManyKeys)
		}
		p.printf("latency %-16s p50 %-9v p99 %-9v max %-9v (%d calls)\n", op, short(l.P50), short(l.P99), short(l.Max), l.Ops)
	}
	if res.ProbeErr != nil {
		p.printf("latency probe failed: %v\n", res.ProbeErr)
	}
	c := res.Cleanup
	switch {
	case c.Err != nil:
		p.printf("cleanup FAILED: %v; keys under %s may remain (the probe's expire within %v)\n", c.Err, res.Prefix, probeTTL)
	case len(c.Remaining) > 0:
		p.printf("cleanup FAILED: Clear(%q) left %d of the %d keys checked, e.g. %q\n",
			res.Prefix, len(c.Remaining), c.Checked, c.Remaining[0])
	default:
		p.printf("cleanup: cleared %s; none of the %d keys read back remains\n", res.Prefix, c.Checked)
	}
	if res.Passed {
		p.printf("PASS %s (%v)\n", res.URL, res.Duration.Round(time.Millisecond))
		return
	}
	p.printf("FAIL %s (%v)\n", res.URL, res.Duration.Round(time.Millisecond))
	for _, f := range res.Failed {
		p.printf("  failed: %s\n", f.Name)
	}
}

// short rounds d to at most three significant digits, for the latency lines.
func short(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d >= 100*time.Microsecond:
		return d.Round(time.Microsecond)
	case d >= 10*time.Microsecond:
		return d.Round(100 * time.Nanosecond)
	case d >= time.Microsecond:
		return d.Round(10 * time.Nanosecond)
	}
	return d
}
