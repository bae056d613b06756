package apps

import (
	"context"
	"fmt"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
)

// Scale changes the live release's formation without a new release (see deploy.Deployer.Scale);
// it is refused while a deploy of the app runs.
func (a *App) Scale(ctx context.Context, req control.ScaleRequest) (control.ScaleResult, error) {
	if !a.deployMu.TryLock() {
		return control.ScaleResult{}, a.busy("scale")
	}
	defer a.deployMu.Unlock()
	live := a.Live()
	if live == nil {
		return control.ScaleResult{}, fmt.Errorf("app %s has no live release to scale: deploy one first, with --scale if you like", a.Name)
	}
	res := control.ScaleResult{Release: live.Release.ID, Log: []string{}}
	err := a.deployer.Scale(ctx, live, req.Scale, func(e deploy.Event) {
		res.Log = append(res.Log, e.Message)
	})
	res.Formation = live.Scale()
	a.logger.Info("scaled", "release", live.Release.ID, "formation", deploy.FormatScale(res.Formation), "err", err)
	return res, err
}
