// Package report keeps per-second figures of the requests the proxy serves
// (how many, how many failed, how long they took) so that a deploy can show
// what its window looked like from the client's side.
package report

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultRetention is how long a Recorder keeps its per-second buckets.
const DefaultRetention = 15 * time.Minute

// Recorder counts requests in one bucket per second of wall-clock time and
// keeps the buckets of the last retention period. Observe is cheap enough
// for the proxy's hot path; Summary merges the buckets of a window. A
// Recorder is safe for concurrent use.
type Recorder struct {
	slots  []slot
	latest atomic.Int64 // newest second observed, in Unix seconds
}

// slot is the bucket of one second. Its mutex is held only for a few
// increments, so concurrent Observe calls barely wait on each other.
type slot struct {
	mu     sync.Mutex
	sec    int64 // Unix second the slot holds, or math.MinInt64 when unused
	failed Failures
	hist   *Histogram // allocated on first use, reused after eviction
}

// NewRecorder returns a Recorder that keeps retention worth of seconds
// (DefaultRetention when retention is not positive).
func NewRecorder(retention time.Duration) *Recorder {
	if retention <= 0 {
		retention = DefaultRetention
	}
	n := int((retention + time.Second - 1) / time.Second)
	r := &Recorder{slots: make([]slot, n)}
	for i := range r.slots {
		r.slots[i].sec = math.MinInt64
	}
	r.latest.Store(math.MinInt64)
	return r
}

// Observe counts one request that started at at, took d and ended with
// outcome. Requests older than the retention period are ignored. Observe does
// not allocate, except once per second to create a bucket that has never been
// used.
func (r *Recorder) Observe(at time.Time, d time.Duration, outcome Outcome) {
	sec := at.Unix()
	s := r.slot(sec)
	s.mu.Lock()
	if s.sec != sec {
		if sec < s.sec {
			s.mu.Unlock()
			return
		}
		s.reuse(sec)
	}
	s.hist.Record(d)
	s.failed.add(outcome, 1)
	s.mu.Unlock()

	for {
		latest := r.latest.Load()
		if sec <= latest || r.latest.CompareAndSwap(latest, sec) {
			return
		}
	}
}

func (r *Recorder) slot(sec int64) *slot {
	n := int64(len(r.slots))
	return &r.slots[((sec%n)+n)%n]
}

func (s *slot) reuse(sec int64) {
	s.sec = sec
	s.failed = Failures{}
	if s.hist == nil {
		s.hist = new(Histogram)
	} else {
		s.hist.Reset()
	}
}

// Summary reports the figures of the window [from, to). Buckets are whole
// seconds, so the window is widened to the seconds it overlaps; seconds
// older than the retention period are left out. Series has one Point per
// second of the window, including seconds without requests.
func (r *Recorder) Summary(from, to time.Time) Summary {
	sum := Summary{From: from, To: to}
	lo, hi := r.span(from, to)
	var total Histogram
	for sec := lo; sec < hi; sec++ {
		p := Point{Time: time.Unix(sec, 0).In(from.Location())}
		s := r.slot(sec)
		s.mu.Lock()
		if s.sec == sec {
			p.Requests, p.Failed = s.hist.Count(), s.failed.Total()
			p.P50, p.P99 = s.hist.Quantile(0.50), s.hist.Quantile(0.99)
			total.Merge(s.hist)
			sum.Failures.merge(s.failed)
		}
		s.mu.Unlock()
		sum.Failed += p.Failed
		sum.Series = append(sum.Series, p)
	}
	sum.Requests = total.Count()
	sum.P50, sum.P99, sum.Max = total.Quantile(0.50), total.Quantile(0.99), total.Max()
	return sum
}

// span returns the Unix seconds [lo, hi) that Summary walks: those that
// overlap [from, to), no older than the retention period allows and never
// more than the ring holds.
func (r *Recorder) span(from, to time.Time) (lo, hi int64) {
	n := int64(len(r.slots))
	lo = from.Unix()
	hi = to.Unix()
	if to.Nanosecond() > 0 {
		hi++
	}
	if latest := r.latest.Load(); latest != math.MinInt64 {
		lo = max(lo, latest-n+1)
	} else {
		lo = max(lo, hi-n)
	}
	hi = min(hi, lo+n)
	return lo, max(lo, hi)
}
