package bake

import (
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/report"
)

// side counts the old release's requests while it serves beside the new one, as during a canary.
type side struct {
	release string
	rec     *report.Recorder

	mu       sync.Mutex
	requests int64
	failed   int64
}

// NewSideBySide returns a Judge of release against the requests oldRelease serves over the same
// time, as during a canary where both serve at once: the old figures are counted from the Judge's
// start, like the new ones, instead of taken from a window before the deploy.
func NewSideBySide(release, oldRelease string, t Thresholds) *Judge {
	j := New(release, Figures{}, t)
	j.side = &side{release: oldRelease, rec: report.NewRecorder(DefaultLatencyWindow + time.Second)}
	return j
}

func (s *side) observe(now time.Time, d time.Duration, o report.Outcome) {
	s.rec.Observe(now, d, o)
	bad := o == report.AppError || o == report.ProxyError || o == report.Timeout
	s.mu.Lock()
	s.requests++
	if bad {
		s.failed++
	}
	s.mu.Unlock()
}

// oldFigures are the figures the new release is judged against: the old release's over the same
// time for a side-by-side Judge, else the baseline it was made with.
func (j *Judge) oldFigures() Figures {
	if j.side == nil {
		return j.old
	}
	now := time.Now()
	sum := j.side.rec.Summary(now.Add(-DefaultLatencyWindow), now)
	j.side.mu.Lock()
	defer j.side.mu.Unlock()
	return Figures{Requests: j.side.requests, Failed: j.side.failed, P99: typicalP99(sum.Series)}
}
