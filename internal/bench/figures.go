package bench

import (
	"fmt"
	"time"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/loadgen"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
)

// DeployReport is what RunDeploy measured. Durations encode to JSON as nanoseconds, sizes as bytes.
type DeployReport struct {
	Rate      int           `json:"rate"`
	Delay     time.Duration `json:"delay_ns"`
	Duration  time.Duration `json:"duration_ns"` // of the load of each run
	Settle    time.Duration `json:"settle_ns"`   // load before each deploy
	DaemonPid int           `json:"daemon_pid"`
	// IdleRSS is the daemon's resident memory with v1 live, before any load.
	IdleRSS int64 `json:"idle_rss_bytes"`
	// PeakRSS is the daemon's highest resident memory over the whole bench (VmHWM).
	PeakRSS int64       `json:"peak_rss_bytes"`
	Runs    []DeployRun `json:"runs"`
	// Total is the load of every run together.
	Total Load `json:"total"`
	// MaxHealthyToFirst is the longest HealthyToFirst of the runs.
	MaxHealthyToFirst time.Duration `json:"max_healthy_to_first_request_ns"`
}

// DeployRun is one deploy under load.
type DeployRun struct {
	Run     int    `json:"run"`
	Release string `json:"release"` // the release the deploy made
	Version string `json:"version"` // the sample app's version in it
	Error   string `json:"error,omitempty"`
	Warning string `json:"warning,omitempty"`
	// DeployStart and DeployEnd are the first and last events of the deploy, from the daemon.
	DeployStart time.Time `json:"deploy_start,omitzero"`
	DeployEnd   time.Time `json:"deploy_end,omitzero"`
	// HealthyAt is when the new release passed its health check (the "wait healthy" step's done
	// event). FirstServedAt is when the new release began to serve its first request: the
	// earliest answer from the new version, less the Delay the app waits before answering (the
	// send time would charge the load generator's own lateness to the deploy). HealthyToFirst is
	// the time between the two.
	HealthyAt      time.Time     `json:"healthy_at,omitzero"`
	FirstServedAt  time.Time     `json:"first_served_at,omitzero"`
	HealthyToFirst time.Duration `json:"healthy_to_first_request_ns"`
	// PeakRSS is the daemon's highest resident memory during the run, or since it started when
	// PeakSinceStart is set (the kernel would not reset the peak).
	PeakRSS        int64 `json:"peak_rss_bytes"`
	PeakSinceStart bool  `json:"peak_since_start,omitempty"`
	// Steps is how long each step of the deploy took, in order.
	Steps []Step `json:"steps"`
	// Recorded is what the daemon recorded of the same deploy, as a user sees it in
	// "cutover releases ID"; nil if the deploy left no record.
	Recorded *Recorded `json:"recorded,omitempty"`
	Load
}

// Recorded is the daemon's own record of a deploy: the requests its proxy served during it, how
// soon the new release got its first request after passing its health check, its peak memory.
type Recorded struct {
	Requests       int64         `json:"requests"`
	Failed         int64         `json:"failed"`
	P99            time.Duration `json:"p99_ns"`
	SteadyP99      time.Duration `json:"steady_p99_ns"`
	HealthyToFirst time.Duration `json:"healthy_to_first_request_ns"`
	PeakRSS        int64         `json:"peak_rss_bytes"`
}

// recordOf returns what rel's record says of its deploy, nil if it has no figures.
func recordOf(rel *release.Release) *Recorded {
	if rel == nil || rel.Report == nil {
		return nil
	}
	r := &Recorded{Requests: rel.Report.Requests, Failed: rel.Report.Failed, P99: rel.Report.P99,
		HealthyToFirst: rel.HealthyToFirst, PeakRSS: rel.PeakRSS}
	if rel.Steady != nil {
		r.SteadyP99 = rel.Steady.P99
	}
	return r
}

// Step is one step of a deploy and how long it took.
type Step struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration_ns"`
	Failed   bool          `json:"failed,omitempty"`
}

// Load is what the load generator saw over a run, or over all runs.
type Load struct {
	Sent   int64 `json:"sent"`
	Failed int64 `json:"failed"`
	// The failed requests by class (loadgen.Class).
	Refused     int64 `json:"refused"`
	Reset       int64 `json:"reset"`
	ServerError int64 `json:"5xx"`
	Timeout     int64 `json:"timeout"`
	Other       int64 `json:"other"`
	// Retries counts requests the HTTP client silently sent again after a failed attempt.
	Retries int64 `json:"retries"`
	// Unsent counts requests that were due but found every connection busy until the end.
	Unsent int64 `json:"unsent"`
	// Steady is the requests sent outside the deploy window, Deploy those sent within it.
	Steady Window `json:"steady"`
	Deploy Window `json:"deploy"`
}

// Window is the figures of the requests sent within a span of time.
type Window struct {
	Requests int64         `json:"requests"`
	Failed   int64         `json:"failed"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	Max      time.Duration `json:"max_ns"`
}

// DeployDuration is how long the deploy took, from its first event to its last.
func (r *DeployRun) DeployDuration() time.Duration { return r.DeployEnd.Sub(r.DeployStart) }

// setDeploy takes the deploy window, the healthy moment and the steps from the deploy's events.
func (r *DeployRun) setDeploy(events []deploy.Event) {
	for _, e := range events {
		if r.DeployStart.IsZero() || e.Time.Before(r.DeployStart) {
			r.DeployStart = e.Time
		}
		if e.Time.After(r.DeployEnd) {
			r.DeployEnd = e.Time
		}
		if e.Step == deploy.StepHealthy && e.Kind == deploy.StepDone && r.HealthyAt.IsZero() {
			r.HealthyAt = e.Time
		}
		if e.Kind == deploy.StepDone || e.Kind == deploy.StepFail {
			r.Steps = append(r.Steps, Step{Name: e.Step, Duration: e.Duration, Failed: e.Kind == deploy.StepFail})
		}
	}
}

// setFirstServed finds when the new version began to serve its first request: its earliest
// answer less delay, the time the app waits before answering.
func (r *DeployRun) setFirstServed(samples []loadgen.Sample, delay time.Duration) {
	for _, s := range samples {
		if s.Class != loadgen.ClassOK || s.Version != r.Version {
			continue
		}
		if at := s.End.Add(-delay); r.FirstServedAt.IsZero() || at.Before(r.FirstServedAt) {
			r.FirstServedAt = at
		}
	}
	if !r.HealthyAt.IsZero() && !r.FirstServedAt.IsZero() {
		r.HealthyToFirst = r.FirstServedAt.Sub(r.HealthyAt)
	}
}

// summary is the run on one line, for progress.
func (r *DeployRun) summary() string {
	s := fmt.Sprintf("deployed %s as %s", r.Version, r.Release)
	if !r.DeployStart.IsZero() {
		s += " in " + report.FormatDuration(r.DeployDuration())
	}
	s += fmt.Sprintf("; sent %d, failed %d; p99 steady %s, during the deploy %s",
		r.Sent, r.Failed, report.FormatDuration(r.Steady.P99), report.FormatDuration(r.Deploy.P99))
	if r.Error != "" {
		s += "; the deploy failed: " + r.Error
	}
	return s
}

func maxHealthyToFirst(runs []DeployRun) time.Duration {
	var m time.Duration
	for _, r := range runs {
		m = max(m, r.HealthyToFirst)
	}
	return m
}

// tally accumulates a Load with the histograms its windows need, so runs can be added up.
type tally struct {
	l              Load
	steady, during report.Histogram
}

// newTally counts the samples of res, those sent within [from, to) in the deploy window.
func newTally(res *loadgen.Result, from, to time.Time) *tally {
	t := &tally{l: Load{
		Sent: res.Sent, Failed: res.Failed, Retries: res.Retries, Unsent: res.Unsent,
		Refused: res.ByClass[loadgen.ClassRefused], Reset: res.ByClass[loadgen.ClassReset],
		ServerError: res.ByClass[loadgen.ClassServerError], Timeout: res.ByClass[loadgen.ClassTimeout],
		Other: res.ByClass[loadgen.ClassOther],
	}}
	for _, s := range res.Samples {
		w, h := &t.l.Steady, &t.steady
		if !s.Start.Before(from) && s.Start.Before(to) {
			w, h = &t.l.Deploy, &t.during
		}
		w.Requests++
		if s.Class != loadgen.ClassOK {
			w.Failed++
		}
		h.Record(s.End.Sub(s.Start))
	}
	return t
}

// merge adds o to t.
func (t *tally) merge(o *tally) {
	l := &t.l
	l.Sent += o.l.Sent
	l.Failed += o.l.Failed
	l.Refused += o.l.Refused
	l.Reset += o.l.Reset
	l.ServerError += o.l.ServerError
	l.Timeout += o.l.Timeout
	l.Other += o.l.Other
	l.Retries += o.l.Retries
	l.Unsent += o.l.Unsent
	l.Steady.Requests += o.l.Steady.Requests
	l.Steady.Failed += o.l.Steady.Failed
	l.Deploy.Requests += o.l.Deploy.Requests
	l.Deploy.Failed += o.l.Deploy.Failed
	t.steady.Merge(&o.steady)
	t.during.Merge(&o.during)
}

// load returns the figures with the windows' latencies filled in.
func (t *tally) load() Load {
	l := t.l
	fill := func(w *Window, h *report.Histogram) {
		w.P50, w.P99, w.Max = h.Quantile(0.50), h.Quantile(0.99), h.Max()
	}
	fill(&l.Steady, &t.steady)
	fill(&l.Deploy, &t.during)
	return l
}
