package deploy

import (
	"os"
	"time"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/report"
)

// StepHealthy is the step after which the new release has passed its health check.
const StepHealthy = "wait healthy"

// StepPrepare is the name of the first step: the release is made and its settings checked.
const StepPrepare = "prepare"

// DefaultSteadyWindow is how long before a deploy the figures it is compared with are taken from.
const DefaultSteadyWindow = 30 * time.Second

// measure records what the deploy cost the app's users, as the daemon saw it: the requests the
// proxy served during the deploy (by outcome; per second, and per 100 ms unless the deploy outlasted
// report.DefaultTimelineSpan) and in DefaultSteadyWindow before it, the time from
// the new release passing its health check to the proxy sending it its first request, and the
// daemon's peak memory during the deploy. In socket mode the proxy is not on the request path,
// so there are only the requests it served before the switch.
func (r *run) measure() {
	now := time.Now()
	if r.d.Recorder != nil {
		during := r.d.Recorder.Summary(r.start, now)
		if r.timeline != nil {
			during.Fine = r.timeline.Fine(now)
		}
		steady := r.d.Recorder.Summary(r.start.Add(-DefaultSteadyWindow), r.start)
		r.rel.Report, r.rel.Steady = &during, &steady
	}
	r.rel.HealthyToFirst = r.healthyToFirst()
	if mem, err := report.ReadMemory(os.Getpid()); err == nil && r.peakSince {
		r.rel.PeakRSS = mem.Peak
	}
}

// healthyToFirst is the time from the new release passing its health check to the proxy binding
// its first request to it; 0 if it got none during the deploy, or in socket mode.
func (r *run) healthyToFirst() time.Duration {
	if !r.switched || r.next == nil || r.next.Pool == nil || r.cfg.Mode == config.ModeSocket {
		return 0
	}
	first := r.next.Pool.FirstRequest()
	for _, s := range r.rel.Steps {
		if s.Name == StepHealthy && s.Error == "" && !first.IsZero() {
			return first.Sub(s.Start.Add(s.Duration))
		}
	}
	return 0
}
