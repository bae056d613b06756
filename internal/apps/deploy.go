package apps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
)

// ErrUpgraded is the answer to what is asked of a daemon that has handed over to a new one.
var ErrUpgraded = errors.New("this daemon has handed over to a new one already")

// Deploy runs one deploy of the app; a second one while it runs is refused at once.
func (a *App) Deploy(ctx context.Context, req deploy.Request, emit func(deploy.Event)) (*release.Release, error) {
	if !a.deployMu.TryLock() {
		if rel, ok, err := a.rollbackBake(ctx, req, emit); ok {
			return rel, err
		}
		next := "deploy again"
		if req.Commit != nil {
			next = "push again"
		}
		return nil, a.busy(next)
	}
	defer a.deployMu.Unlock()
	if err := a.refuseDeploy(); err != nil {
		return nil, err
	}
	return a.deployLocked(ctx, req, emit)
}

// refuseDeploy says why a deploy cannot start: the app was destroyed, or the daemon handed over to
// a new one; nil when it can. a.deployMu is held.
func (a *App) refuseDeploy() error {
	if a.destroyed {
		return fmt.Errorf("%w %q: it was destroyed", ErrNoApp, a.Name)
	}
	select {
	case <-a.rt.Upgraded:
		return fmt.Errorf("%w: deploy again, the new daemon takes it", ErrUpgraded)
	default:
	}
	return nil
}

// deployLocked is Deploy with a.deployMu held.
func (a *App) deployLocked(ctx context.Context, req deploy.Request, emit func(deploy.Event)) (*release.Release, error) {
	a.StopRestore() // a deploy takes over from attempts to boot the live release after a start
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ctx, abort := deploy.NewAbort(ctx)
	defer abort.Release()
	req.Abort, req.Bake = abort, deploy.NewBake()
	dep := &deployment{abort: abort, bake: req.Bake, done: make(chan struct{})}
	emit = dep.watch(emit)
	go func() {
		select {
		case <-a.rt.Stopping:
			cancel()
		case <-ctx.Done():
		}
	}()

	a.mu.Lock()
	live := a.live
	a.deploying, a.deployAt, a.current = describe(req), time.Now(), dep
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.deploying, a.current = "", nil
		a.mu.Unlock()
		close(dep.done)
	}()

	rel, next, err := a.deployer.Run(ctx, req, live, emit)
	if next != nil && live != nil {
		a.dropLegacyLink()
	}
	if next != nil {
		a.mu.Lock()
		a.live = next
		a.restoring.err = ""
		a.mu.Unlock()
		a.reapplyMaintenance()
	}
	if next != nil && req.Rollback != "" {
		a.restoreVars(rel, emit)
	}
	if errors.Is(err, deploy.ErrRolledBack) && req.VarsChangeOf != "" && live != nil {
		// The change's bake sent traffic back: the config vars of what serves are the current ones
		// again, so that the next deploy does not boot with what was just rejected.
		a.restoreVars(&release.Release{ID: live.Release.ID, RollbackOf: live.Release.ID, VarsVersion: live.Release.VarsVersion}, emit)
	}
	dep.end(rel, err)
	a.metrics.Deployed(rel, err)
	return rel, err
}

// dropLegacyLink removes the link the move to the apps layout left at <state>/releases for this
// app's processes of that time, once a deploy has replaced them (see Migrate).
func (a *App) dropLegacyLink() {
	target, err := os.Readlink(filepath.Join(a.rt.StateDir, releasesDirName))
	if err != nil || target != filepath.Join(AppsDirName, a.Name, releasesDirName) {
		return
	}
	if err := RemoveLegacyLink(a.rt.StateDir); err != nil {
		a.logger.Warn("remove the link the old layout needed", "err", err)
	}
}

// busy is the error for a change refused while a deploy of the app runs, saying how to end it
// first (a bake or canary ends by promote or rollback, not by an abort), then to do next.
func (a *App) busy(next string) error {
	a.mu.Lock()
	baking, _ := a.current.baked()
	canary, _, _ := a.current.canary()
	a.mu.Unlock()
	switch {
	case canary != "":
		return fmt.Errorf("%w (%s): `cutover promote --app %s` ends the canary, `cutover rollback --app %[3]s` goes back, then %s",
			control.ErrBusy, a.describeDeploy(), a.Name, next)
	case baking != nil:
		return fmt.Errorf("%w (%s): `cutover promote --app %s` ends the bake, `cutover rollback --app %[3]s` goes back, then %s",
			control.ErrBusy, a.describeDeploy(), a.Name, next)
	}
	return fmt.Errorf("%w (%s): wait for it to finish, or stop it with `cutover deploy --abort --app %s`, then %s",
		control.ErrBusy, a.describeDeploy(), a.Name, next)
}

// describeDeploy says which deploy runs and for how long, for an error that it is in the way.
func (a *App) describeDeploy() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	what, since := a.deploying, time.Since(a.deployAt).Round(time.Second)
	if serving, until := a.current.baked(); serving != nil {
		return fmt.Sprintf("%s is baking, %s left", serving.Release.ID, time.Until(until).Round(time.Second))
	}
	if id, share, until := a.current.canary(); id != "" {
		return fmt.Sprintf("%s is a canary with %s of new clients, %s left", id, config.FormatShare(share), time.Until(until).Round(time.Second))
	}
	if id := a.current.releaseID(); id != "" {
		what = id + ", " + what
	}
	if what == "" {
		return "a deploy"
	}
	return fmt.Sprintf("%s, started %s ago", what, since)
}

func describe(req deploy.Request) string {
	if req.Rollback != "" {
		return "rollback to " + req.Rollback
	}
	if req.Commit != nil {
		return "deploy of git " + req.Commit.String()
	}
	return "deploy of " + req.Source
}

// Releases lists every release whose record is readable, oldest first, and those whose record is
// damaged.
func (a *App) Releases() ([]*release.Release, []release.Damaged, error) { return a.store.List() }

// Prune removes releases older than the newest keep (zero: the daemon's setting), never the live
// one or its rollback target, and returns the ids removed. While a deploy runs it is refused.
func (a *App) Prune(keep int) ([]string, error) {
	if !a.deployMu.TryLock() {
		return nil, a.busy("prune")
	}
	defer a.deployMu.Unlock()
	return a.deployer.Prune(keep)
}

// Release returns one release.
func (a *App) Release(id string) (*release.Release, error) { return a.store.Get(id) }
