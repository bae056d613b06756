package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
)

// Outcomes of a deploy, the values of the outcome label of cutover_deploys_total.
const (
	OutcomeLive           = "live"             // it switched, and every step after succeeded
	OutcomeLiveWithErrors = "live_with_errors" // it switched; a later step (drain, stop old, post-deploy migrations) failed
	OutcomeFailed         = "failed"           // it stopped before the switch; the release never served
	OutcomeAborted        = "aborted"          // `cutover deploy --abort` stopped it before the switch
	OutcomeInterrupted    = "interrupted"      // the daemon stopped while it ran
	OutcomeRolledBack     = "rolled_back"      // it switched, then its bake sent traffic back (see package bake)
)

// DeployOutcome classifies a deploy that ended with rel (nil when it ended before making a
// release) and err.
func DeployOutcome(rel *release.Release, err error) string {
	switch {
	case rel != nil && rel.Status == release.Live && err == nil:
		return OutcomeLive
	case rel != nil && rel.Status == release.Live:
		return OutcomeLiveWithErrors
	case rel != nil && rel.Status == release.RolledBack:
		return OutcomeRolledBack
	case errors.Is(err, deploy.ErrAborted):
		return OutcomeAborted
	case rel != nil && rel.Status == release.Interrupted, rel == nil && errors.Is(err, context.Canceled):
		return OutcomeInterrupted
	}
	return OutcomeFailed
}

// Deployed counts a deploy of the app that ended with rel and err (see DeployOutcome), with its
// duration and each step's, and, when it went live, retires the series of the app's other
// releases (see Registry.retire).
func (a *App) Deployed(rel *release.Release, err error) {
	if a == nil {
		return
	}
	outcome := DeployOutcome(rel, err)
	kind := "deploy"
	if rel != nil && rel.RollbackOf != "" {
		kind = "rollback"
	}
	r := a.r
	r.deploys.WithLabelValues(a.name, kind, outcome).Inc()
	if rel != nil {
		if d, ok := deployDuration(rel); ok {
			r.deployTime.WithLabelValues(a.name, outcome).Observe(d.Seconds())
		}
		for _, st := range rel.Steps {
			r.stepTime.WithLabelValues(a.name, st.Name).Observe(st.Duration.Seconds())
		}
	}
	if rel != nil && rel.Status == release.Live {
		// Retired here too, not only at scrapes: a daemon no one scrapes keeps few series all the
		// same. The daemon's own state is not asked for: its locks may be held while a deploy ends.
		r.mu.Lock()
		r.retireReleases(a, time.Now(), rel.ID, true)
		r.mu.Unlock()
	}
}

// deployDuration is the time from the release's start to the end of its last step; false without
// steps.
func deployDuration(rel *release.Release) (time.Duration, bool) {
	if len(rel.Steps) == 0 {
		return 0, false
	}
	start := rel.Created
	var end time.Time
	for _, st := range rel.Steps {
		if start.IsZero() || st.Start.Before(start) {
			start = st.Start
		}
		if e := st.Start.Add(st.Duration); e.After(end) {
			end = e
		}
	}
	return end.Sub(start), true
}

// DeployEnd is when the deploy that made rel ended: the end of its last step, else its creation.
func DeployEnd(rel *release.Release) time.Time {
	end := rel.Created
	for _, st := range rel.Steps {
		if e := st.Start.Add(st.Duration); e.After(end) {
			end = e
		}
	}
	return end
}
