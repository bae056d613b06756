package apps

import (
	"fmt"

	"github.com/cutover-dev/cutover/internal/control"
)

// RunEnv is where and with what environment a one-off process of the release that serves runs
// (`cutover run`): the live release, or during a bake the release baking.
func (a *App) RunEnv() (control.RunEnv, error) {
	a.mu.Lock()
	live := a.live
	if serving, _ := a.current.baked(); serving != nil {
		live = serving
	}
	a.mu.Unlock()
	if live == nil {
		return control.RunEnv{}, fmt.Errorf("app %s has no live release yet: deploy one first (`cutover deploy DIR`)", a.Name)
	}
	env, err := a.deployer.RunEnv(live)
	if err != nil {
		return control.RunEnv{}, err
	}
	return control.RunEnv{Release: live.Release.ID, Dir: live.Release.Dir, Env: env}, nil
}
