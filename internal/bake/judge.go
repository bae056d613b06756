package bake

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/report"
)

// Thresholds of the judgement; see the package doc. Each is also what docs/bake.md lists.
const (
	// DefaultMinRequests is how many requests the new release must have served before it is
	// judged, and the old release in its baseline before latency is compared.
	DefaultMinRequests = 100
	// DefaultMaxErrorRate is the failure rate the new release may always have (1%).
	DefaultMaxErrorRate = 0.01
	// DefaultErrorFactor is how many times the old release's failure rate the new one may have.
	DefaultErrorFactor = 3
	// DefaultLatencyFactor is how many times the old release's p99 the new one's may be.
	DefaultLatencyFactor = 2
	// DefaultLatencySlack is how far above the old p99 the new one must also be to count.
	DefaultLatencySlack = 20 * time.Millisecond
	// DefaultLatencyWindow is the stretch of the new release's latest requests its p99 is taken
	// from.
	DefaultLatencyWindow = time.Minute
	// DefaultLatencySeconds is how many seconds with DefaultSecondRequests requests a release's
	// p99 needs: it is the median of their p99s, so one slow second (a cold cache, a pause) does
	// not make a release look slow, nor a fast one.
	DefaultLatencySeconds = 3
	// DefaultSecondRequests is how many requests a second needs to count for the p99.
	DefaultSecondRequests = 10
)

// Thresholds are the limits a new release is held to; the zero value of a field means its
// default.
type Thresholds struct {
	MinRequests   int64
	MaxErrorRate  float64
	ErrorFactor   float64
	LatencyFactor float64
	LatencySlack  time.Duration
}

func (t Thresholds) withDefaults() Thresholds {
	if t.MinRequests == 0 {
		t.MinRequests = DefaultMinRequests
	}
	if t.MaxErrorRate == 0 {
		t.MaxErrorRate = DefaultMaxErrorRate
	}
	if t.ErrorFactor == 0 {
		t.ErrorFactor = DefaultErrorFactor
	}
	if t.LatencyFactor == 0 {
		t.LatencyFactor = DefaultLatencyFactor
	}
	if t.LatencySlack == 0 {
		t.LatencySlack = DefaultLatencySlack
	}
	return t
}

// Figures are the requests of one release over a window, as the judgement counts them.
type Figures struct {
	Requests int64 `json:"requests"`
	Failed   int64 `json:"failed"` // 5xx from the app, answers cut off, timeouts
	// P99 is the median of the p99s of the window's busy seconds (see DefaultLatencySeconds); 0
	// when it had too few of them.
	P99 time.Duration `json:"p99_ns"`
}

// Rate is the failure rate, 0 with no request.
func (f Figures) Rate() float64 {
	if f.Requests == 0 {
		return 0
	}
	return float64(f.Failed) / float64(f.Requests)
}

// String says the figures in a line: "1204 requests, 0.3% failed, p99 12ms".
func (f Figures) String() string {
	p99 := "not known yet"
	if f.P99 > 0 {
		p99 = report.FormatDuration(f.P99)
	}
	return fmt.Sprintf("%d requests, %s failed, p99 %s", f.Requests, percent(f.Rate()), p99)
}

// Baseline is the old release's figures from a recorder's window.
func Baseline(s report.Summary) Figures {
	return Figures{Requests: s.Requests, Failed: counted(s.Failures), P99: typicalP99(s.Series)}
}

// typicalP99 is the median of the p99s of the seconds in series with DefaultSecondRequests
// requests or more; 0 when there are fewer than DefaultLatencySeconds of them.
func typicalP99(series []report.Point) time.Duration {
	var p99s []time.Duration
	for _, p := range series {
		if p.Requests >= DefaultSecondRequests {
			p99s = append(p99s, p.P99)
		}
	}
	if len(p99s) < DefaultLatencySeconds {
		return 0
	}
	slices.Sort(p99s)
	return p99s[len(p99s)/2]
}

// counted is how many of f the judgement holds against a release: not clients that left, nor
// malformed requests the proxy refused.
func counted(f report.Failures) int64 { return f.AppError + f.ProxyError + f.Timeout }

// Verdict is the judgement at one moment.
type Verdict struct {
	New, Old  Figures
	Regressed bool
	// Judged is false while the new release has served fewer than the minimum of requests.
	Judged bool
	// Reason says why the release regressed, in a sentence that names the figures and the limit.
	Reason string
}

// Judge watches the requests of one new release. It is safe for concurrent use.
type Judge struct {
	release string
	old     Figures
	t       Thresholds

	rec *report.Recorder // the release's requests by second, for its p99

	side *side // the old release's requests over the same time, for a canary; nil: old is fixed

	mu           sync.Mutex
	requests     int64
	failed       int64
	firstFailure time.Time
}

// New returns a Judge of release against old, the old release's baseline.
func New(release string, old Figures, t Thresholds) *Judge {
	return &Judge{release: release, old: old, t: t.withDefaults(), rec: report.NewRecorder(DefaultLatencyWindow + time.Second)}
}

// Release is the release the Judge watches.
func (j *Judge) Release() string { return j.release }

// Observe counts one request of release (others are ignored) that took d and ended with o.
func (j *Judge) Observe(release string, d time.Duration, o report.Outcome) {
	j.observeAt(time.Now(), release, d, o)
}

func (j *Judge) observeAt(now time.Time, release string, d time.Duration, o report.Outcome) {
	if release != j.release {
		if j.side != nil && release == j.side.release {
			j.side.observe(now, d, o)
		}
		return
	}
	bad := o == report.AppError || o == report.ProxyError || o == report.Timeout
	j.rec.Observe(now, d, o)
	j.mu.Lock()
	j.requests++
	if bad {
		if j.failed == 0 {
			j.firstFailure = now
		}
		j.failed++
	}
	j.mu.Unlock()
}

// Figures are the new release's figures so far: every request since the switch, and the p99 of
// the last DefaultLatencyWindow.
func (j *Judge) Figures() Figures {
	now := time.Now()
	s := j.rec.Summary(now.Add(-DefaultLatencyWindow), now)
	j.mu.Lock()
	defer j.mu.Unlock()
	return Figures{Requests: j.requests, Failed: j.failed, P99: typicalP99(s.Series)}
}

// FirstFailure is when the new release's first failed request ended, zero before one did.
func (j *Judge) FirstFailure() time.Time {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.firstFailure
}

// Verdict judges the new release's requests so far against the old release's.
func (j *Judge) Verdict() Verdict {
	v := Verdict{New: j.Figures(), Old: j.oldFigures()}
	if v.New.Requests < j.t.MinRequests {
		return v
	}
	v.Judged = true
	limit := max(j.t.MaxErrorRate, j.t.ErrorFactor*v.Old.Rate())
	if rate := v.New.Rate(); rate > limit {
		v.Regressed = true
		v.Reason = fmt.Sprintf("%s of %d requests failed (%d), above the limit of %s (the old release: %s of %d)",
			percent(rate), v.New.Requests, v.New.Failed, percent(limit), percent(v.Old.Rate()), v.Old.Requests)
		return v
	}
	if !j.LatencyJudged() || v.New.P99 == 0 {
		return v
	}
	if p99 := v.New.P99; float64(p99) > j.t.LatencyFactor*float64(v.Old.P99) && p99-v.Old.P99 >= j.t.LatencySlack {
		v.Regressed = true
		v.Reason = fmt.Sprintf("p99 latency %s over %d requests, above %g× the old release's %s",
			report.FormatDuration(p99), v.New.Requests, j.t.LatencyFactor, report.FormatDuration(v.Old.P99))
	}
	return v
}

// LatencyJudged says whether the Judge compares latency: the old release served enough requests
// in its baseline, over enough busy seconds.
func (j *Judge) LatencyJudged() bool { return j.LatencyUnjudged() == "" }

// LatencyUnjudged says why the Judge does not compare latency, in words that follow "the old
// release served": too few requests in its baseline, or too few busy seconds to take a p99 from;
// "" when it does compare.
func (j *Judge) LatencyUnjudged() string {
	old := j.oldFigures()
	switch {
	case old.Requests < j.t.MinRequests:
		return fmt.Sprintf("%d requests, fewer than %d to compare with", old.Requests, j.t.MinRequests)
	case old.P99 == 0:
		return fmt.Sprintf("%d requests, but in fewer than %d seconds with %d or more each, which a p99 is taken from",
			old.Requests, DefaultLatencySeconds, DefaultSecondRequests)
	}
	return ""
}

// Unjudged says why a verdict judged nothing, in words that follow the release's name: it served
// too few requests; "" when v judged the release.
func (j *Judge) Unjudged(v Verdict) string {
	if v.Judged {
		return ""
	}
	return fmt.Sprintf("served %d requests, fewer than the %d a judgement needs: it was not judged", v.New.Requests, j.t.MinRequests)
}

func percent(r float64) string {
	switch {
	case r == 0:
		return "0%"
	case r < 0.001:
		return fmt.Sprintf("%.3f%%", r*100)
	}
	return fmt.Sprintf("%.1f%%", r*100)
}

// Outcomes of a bake.
const (
	Passed       = "passed"                    // the window ended with no regression
	Promoted     = "promoted"                  // `cutover promote` ended it early
	RolledBack   = "rolled back automatically" // the judgement or a crash sent traffic back
	RolledByHand = "rolled back by hand"       // `cutover rollback` during the bake sent it back
	CutShort     = "cut short"                 // the daemon stopped during the bake
)

// Result is how a bake ended, kept with the release.
type Result struct {
	Window  time.Duration `json:"window_ns"`
	Took    time.Duration `json:"took_ns"`
	Outcome string        `json:"outcome"`
	Reason  string        `json:"reason,omitempty"`
	New     Figures       `json:"new"`
	Old     Figures       `json:"old"`
	// FailureToSwitch is the time from the new release's first failed request to traffic going
	// back, for a bake that rolled back after one.
	FailureToSwitch time.Duration `json:"failure_to_switch_ns,omitempty"`
	// Canary is the share of new clients the new release had, for a canary (judged before the
	// full switch, beside the old release); 0 for a bake after it.
	Canary float64 `json:"canary,omitempty"`
}
