package daemon

import (
	"context"
	"errors"

	"github.com/cutover-dev/cutover/internal/apps"
	"github.com/cutover-dev/cutover/internal/gitpush"
)

// gitRepo makes the app's git repository if it has none (an app made before git push, or just
// now), and points its hook at this daemon's binary. An app without one still deploys from a
// directory: a failure is logged, not returned.
func (d *Daemon) gitRepo(a *apps.App) {
	ctx, cancel := context.WithTimeout(context.Background(), gitpush.DefaultGitTimeout)
	defer cancel()
	err := gitpush.Init(ctx, a.Dir(), d.stateDir, a.Name, d.opts.Executable)
	switch {
	case errors.Is(err, gitpush.ErrNoGit):
		d.logger.Debug("no git repository for the app", "app", a.Name, "err", err)
	case err != nil:
		d.logger.Warn("no git repository for the app: git push cannot deploy it", "app", a.Name, "err", err)
	}
}
