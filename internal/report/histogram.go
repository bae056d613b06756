package report

import (
	"math"
	"math/bits"
	"time"
)

// The histogram is log-linear: each power of two between MinLatency and
// MaxLatency is split into subBuckets equal parts, so a bucket is at most
// 1/subBuckets of its lower bound wide and its midpoint is within about
// 1.6% of any value it holds.
const (
	// MinLatency is the smallest latency a Histogram tells apart; shorter
	// ones are counted as MinLatency.
	MinLatency = time.Microsecond
	// MaxLatency is the largest latency a Histogram tells apart; longer ones
	// are counted as MaxLatency (Max still reports the true maximum).
	MaxLatency = 60 * time.Second

	subBits    = 5
	subBuckets = 1 << subBits
	minExp     = 9 // bits.Len64(uint64(MinLatency)) - 1: 2^9 ns <= 1µs < 2^10 ns
	maxExp     = 35
	numBuckets = (maxExp - minExp + 1) * subBuckets
)

// Histogram counts latencies in log-linear buckets from MinLatency to
// MaxLatency with about 2% relative error. The zero value is empty and ready
// to use. A Histogram is not safe for concurrent use.
type Histogram struct {
	counts [numBuckets]uint64
	n      int64
	max    time.Duration
}

// Record counts one latency. It does not allocate.
func (h *Histogram) Record(d time.Duration) {
	h.counts[bucketOf(d)]++
	h.n++
	if d > h.max {
		h.max = d
	}
}

// Merge adds every count of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// Reset empties h.
func (h *Histogram) Reset() { *h = Histogram{} }

// Count reports how many latencies h holds.
func (h *Histogram) Count() int64 { return h.n }

// Max reports the largest latency recorded, exactly.
func (h *Histogram) Max() time.Duration { return h.max }

// Quantile reports the latency below which the fraction q (0 to 1) of the
// recorded latencies fall, within the histogram's relative error and never
// above Max. It reports 0 for an empty histogram.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), uint64(h.n))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(midpoint(i), h.max)
		}
	}
	return h.max
}

func bucketOf(d time.Duration) int {
	v := uint64(min(max(d, MinLatency), MaxLatency))
	exp := bits.Len64(v) - 1
	sub := int(v>>(exp-subBits)) & (subBuckets - 1)
	return (exp-minExp)*subBuckets + sub
}

func midpoint(i int) time.Duration {
	exp := i/subBuckets + minExp
	sub := uint64(i % subBuckets)
	width := uint64(1) << (exp - subBits)
	lower := (subBuckets + sub) * width
	return time.Duration(lower + width/2)
}
