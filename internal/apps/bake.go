package apps

import (
	"context"
	"errors"
	"fmt"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
)

// baking returns the deploy under way while it bakes, and the release it judges; nil when none.
func (a *App) baking() (*deployment, string) {
	a.mu.Lock()
	dep := a.current
	a.mu.Unlock()
	if dep == nil {
		return nil, ""
	}
	id, _, ok := dep.bake.Baking()
	if !ok {
		return nil, ""
	}
	return dep, id
}

// Promote ends the bake under way as passed, and waits until its deploy has ended.
func (a *App) Promote(ctx context.Context) (control.PromoteResult, error) {
	dep, id := a.baking()
	if dep == nil || !dep.bake.Promote() {
		return control.PromoteResult{}, fmt.Errorf("%w: no release is baking or in a canary (see `cutover status`)", control.ErrNoDeploy)
	}
	a.logger.Info("bake ended by promote", "release", id)
	res := control.PromoteResult{Release: id}
	if err := a.waitDeploy(ctx, dep); err != nil {
		res.Error = err.Error()
	}
	return res, nil
}

// rollbackBake is a rollback asked for while a deploy bakes: traffic goes back at once to the
// release kept booted, which is what `cutover rollback` (to the previous release) means then.
// ok is false when req is not such a rollback; the deploy lock is then someone else's.
func (a *App) rollbackBake(ctx context.Context, req deploy.Request, emit func(deploy.Event)) (*release.Release, bool, error) {
	if req.Rollback == "" {
		return nil, false, nil
	}
	dep, id := a.baking()
	if dep == nil {
		return nil, false, nil
	}
	live := a.Live()
	if live == nil || (req.Rollback != "previous" && req.Rollback != live.Release.ID) || !dep.bake.Rollback() {
		return nil, false, nil
	}
	a.logger.Info("bake ended by rollback", "release", id, "back_to", live.Release.ID)
	emit(deploy.Event{Kind: deploy.Info, Release: id, Message: fmt.Sprintf("%s was baking with %s still booted: traffic goes back to %s now", id, live.Release.ID, live.Release.ID)})
	err := a.waitDeploy(ctx, dep)
	switch {
	case errors.Is(err, deploy.ErrLiveNotRecorded), err != nil && !errors.Is(err, deploy.ErrRolledBack):
		// Traffic went back but a restart would not know it, or the deploy ended otherwise.
		return a.Live().Release, true, err
	case err != nil:
		emit(deploy.Event{Kind: deploy.Info, Release: id, Message: err.Error()})
	default:
		return nil, true, fmt.Errorf("the bake of %s ended before the rollback reached it, and %s serves: run `cutover rollback` again", id, id)
	}
	if live := a.Live(); live != nil {
		return live.Release, true, nil
	}
	return nil, true, fmt.Errorf("no release serves after the rollback of %s: see `cutover status`", id)
}

// waitDeploy waits until dep has ended, and returns how it ended.
func (a *App) waitDeploy(ctx context.Context, dep *deployment) error {
	select {
	case <-dep.done:
	case <-ctx.Done():
		return fmt.Errorf("the deploy is ending; see `cutover status`: %w", ctx.Err())
	}
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return dep.err
}
