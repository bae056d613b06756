package report

import (
	"math"
	"sync"
	"time"
)

// FineStep is the time each point of a Timeline stands for: fine enough to see a deploy's switch,
// which a per-second point blurs into its neighbours.
const FineStep = 100 * time.Millisecond

// DefaultTimelineSpan is the longest a Timeline keeps points for; a deploy that lasts longer has
// only its per-second series.
const DefaultTimelineSpan = 10 * time.Minute

// coarseMerge is how many of a Histogram's buckets one bucket of a tick holds: 4 per power of two
// (a quarter octave wide) instead of 32. A tick is then about 450 bytes rather than 7 KB, so ten a
// second across a deploy cost at most a few megabytes, while p50 and p99 stay within about 12%.
const coarseMerge = 8

// tickChunk is how many ticks a Timeline allocates at once, as time reaches them.
const tickChunk = 50

// Timeline counts the requests of one window, from its start, in points of FineStep: requests,
// failures and coarse latency quantiles, for the chart of a deploy. It is safe for concurrent use;
// Observe allocates only once per tickChunk points.
type Timeline struct {
	start time.Time
	step  time.Duration
	ticks int // how many points it keeps at most

	mu     sync.Mutex
	chunks [][]tick
}

// tick is the count of one point.
type tick struct {
	n, failed int64
	max       time.Duration
	counts    [numBuckets / coarseMerge]uint32
}

// NewTimeline returns a Timeline of points of FineStep from start, for at most span
// (DefaultTimelineSpan when span is not positive).
func NewTimeline(start time.Time, span time.Duration) *Timeline {
	if span <= 0 {
		span = DefaultTimelineSpan
	}
	return &Timeline{start: start, step: FineStep, ticks: int(span / FineStep)}
}

// Observe counts one request that ended at at, took d and ended with outcome; a request outside
// the timeline's span is left out.
func (t *Timeline) Observe(at time.Time, d time.Duration, outcome Outcome) {
	if at.Before(t.start) {
		return
	}
	i := int(at.Sub(t.start) / t.step)
	if i >= t.ticks {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c := i / tickChunk
	for len(t.chunks) <= c {
		t.chunks = append(t.chunks, nil)
	}
	if t.chunks[c] == nil {
		t.chunks[c] = make([]tick, tickChunk)
	}
	k := &t.chunks[c][i%tickChunk]
	k.n++
	if outcome != OK {
		k.failed++
	}
	k.max = max(k.max, d)
	k.counts[bucketOf(d)/coarseMerge]++ // 4 billion in 100 ms: not a count a proxy reaches
}

// Fine is a window's figures per Step: what a Timeline kept, as arrays (a deploy of a minute has
// 600 points, and a record of them stays small).
type Fine struct {
	From     time.Time       `json:"from"` // the start of the first point
	Step     time.Duration   `json:"step_ns"`
	Requests []int64         `json:"requests"`
	Failed   []int64         `json:"failed"`
	P50      []time.Duration `json:"p50_ns"`
	P99      []time.Duration `json:"p99_ns"`
}

// Fine returns the whole points from the timeline's start up to to, including those without
// requests (a last point cut short by to is left out: as a rate it would read low); nil when to
// lies past the timeline's span (the window is then only in per-second points).
func (t *Timeline) Fine(to time.Time) *Fine {
	if to.Before(t.start) {
		return nil
	}
	n := int(to.Sub(t.start) / t.step)
	if n > t.ticks {
		return nil
	}
	f := &Fine{From: t.start, Step: t.step, Requests: make([]int64, n), Failed: make([]int64, n),
		P50: make([]time.Duration, n), P99: make([]time.Duration, n)}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range n {
		if c := i / tickChunk; c < len(t.chunks) && t.chunks[c] != nil {
			k := &t.chunks[c][i%tickChunk]
			f.Requests[i], f.Failed[i] = k.n, k.failed
			f.P50[i], f.P99[i] = k.quantile(0.50), k.quantile(0.99)
		}
	}
	return f
}

// Points returns f as one Point per Step, for a chart.
func (f *Fine) Points() []Point {
	out := make([]Point, len(f.Requests))
	for i := range out {
		out[i] = Point{Time: f.From.Add(time.Duration(i) * f.Step), Requests: f.Requests[i], Failed: f.Failed[i]}
		if i < len(f.P50) && i < len(f.P99) {
			out[i].P50, out[i].P99 = f.P50[i], f.P99[i]
		}
	}
	return out
}

// quantile is the latency below which the fraction q of the tick's requests fall: the middle of
// its coarse bucket, never above the tick's maximum.
func (k *tick) quantile(q float64) time.Duration {
	if k.n == 0 {
		return 0
	}
	rank := uint64(min(max(math.Ceil(q*float64(k.n)), 1), float64(k.n)))
	var seen uint64
	for i, c := range k.counts {
		seen += uint64(c)
		if seen >= rank {
			lo, hi := midpoint(i*coarseMerge), midpoint(i*coarseMerge+coarseMerge-1)
			return min((lo+hi)/2, k.max)
		}
	}
	return k.max
}
