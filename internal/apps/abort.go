package apps

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
)

// deployment is the deploy under way, as an abort sees it.
type deployment struct {
	abort *deploy.Abort
	bake  *deploy.Bake
	done  chan struct{} // closed when the deploy has ended and the daemon took its result

	mu      sync.Mutex
	release string // the release it makes, once prepare named it
	err     error
	steps   []release.Step // its steps so far; the last has no duration while it runs
}

// watch wraps emit to learn the release id and the steps so far from the deploy's events.
func (dep *deployment) watch(emit func(deploy.Event)) func(deploy.Event) {
	return func(e deploy.Event) {
		dep.mu.Lock()
		if e.Release != "" {
			dep.release = e.Release
		}
		switch e.Kind {
		case deploy.StepStart:
			dep.steps = append(dep.steps, release.Step{Name: e.Step, Start: e.Time})
		case deploy.StepDone, deploy.StepFail:
			if n := len(dep.steps); n > 0 && dep.steps[n-1].Name == e.Step {
				dep.steps[n-1].Duration = e.Duration
				if e.Kind == deploy.StepFail {
					dep.steps[n-1].Error = e.Message
				}
			}
		}
		dep.mu.Unlock()
		emit(e)
	}
}

// stepsSoFar returns a copy of the deploy's steps so far; nil when dep is nil.
func (dep *deployment) stepsSoFar() []release.Step {
	if dep == nil {
		return nil
	}
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return append([]release.Step(nil), dep.steps...)
}

// releaseID is the release the deploy makes, "" before prepare named it or when dep is nil.
func (dep *deployment) releaseID() string {
	if dep == nil {
		return ""
	}
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return dep.release
}

// baked is the formation dep bakes and until when; nil when none bakes or dep is nil.
func (dep *deployment) baked() (*deploy.Formation, time.Time) {
	if dep == nil {
		return nil, time.Time{}
	}
	_, until, _ := dep.bake.Baking()
	return dep.bake.Serving(), until
}

// canary is the release of the canary under way, its share and its end; "" when none.
func (dep *deployment) canary() (string, float64, time.Time) {
	if dep == nil {
		return "", 0, time.Time{}
	}
	return dep.bake.Canary()
}

// end records how the deploy ended.
func (dep *deployment) end(rel *release.Release, err error) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	if rel != nil {
		dep.release = rel.ID
	}
	dep.err = err
}

// Abort stops the deploy under way if it has not switched traffic yet, and waits until it has ended,
// so that what it answers is what happened: aborted, with the live release serving on, or too late.
func (a *App) Abort(ctx context.Context) (control.AbortResult, error) {
	a.mu.Lock()
	dep := a.current
	a.mu.Unlock()
	if dep == nil {
		return control.AbortResult{}, fmt.Errorf("%w: there is nothing to abort (see `cutover status`)", control.ErrNoDeploy)
	}
	if !dep.abort.Abort() {
		id := dep.releaseID()
		a.logger.Info("abort refused: the deploy already switched", "release", id)
		return control.AbortResult{Release: id, Live: id}, nil
	}
	select {
	case <-dep.done:
	case <-ctx.Done():
		return control.AbortResult{}, fmt.Errorf("the deploy is stopping; see `cutover status`: %w", ctx.Err())
	}
	dep.mu.Lock()
	res := control.AbortResult{Release: dep.release, Aborted: true}
	if dep.err != nil {
		res.Error = dep.err.Error()
	}
	dep.mu.Unlock()
	a.mu.Lock()
	if a.live != nil {
		res.Live = a.live.Release.ID
	}
	a.mu.Unlock()
	a.logger.Info("deploy aborted", "release", res.Release, "live", res.Live)
	return res, nil
}
