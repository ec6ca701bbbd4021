package bench

import (
	"math/bits"
	"time"
)

// Hist is a log-linear latency histogram (HDR-like): 16 sub-buckets per power of
// two, so a recorded value is known within about 6%. Recording is an array
// increment; a worker owns its Hist and the runner merges them at the end.
type Hist struct {
	counts [histBuckets]uint64
	n      uint64
}

const (
	subBits     = 4
	subCount    = 1 << subBits
	histBuckets = (64 - subBits) * subCount
)

func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1
	return (shift+1)*subCount + int(v>>uint(shift)) - subCount
}

// bucketMid returns the middle of bucket i's range.
func bucketMid(i int) float64 {
	if i < subCount {
		return float64(i)
	}
	shift := i/subCount - 1
	lo := uint64(i%subCount+subCount) << uint(shift)
	return float64(lo) + float64(uint64(1)<<uint(shift))/2
}

// Record adds one latency.
func (h *Hist) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.n++
}

// Merge adds o's counts to h.
func (h *Hist) Merge(o *Hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

// Count returns how many latencies were recorded.
func (h *Hist) Count() uint64 { return h.n }

// Quantile returns the q-quantile (0 < q <= 1) in nanoseconds, or 0 when
// nothing was recorded.
func (h *Hist) Quantile(q float64) float64 {
	if h.n == 0 {
		return 0
	}
	target := uint64(q*float64(h.n) + 0.5)
	if target < 1 {
		target = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= target {
			return bucketMid(i)
		}
	}
	return bucketMid(histBuckets - 1)
}
