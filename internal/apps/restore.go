package apps

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/deploy"
)

// restoring is the state of the attempts to boot the live release after a start.
type restoring struct {
	cancel context.CancelFunc   // ends the attempts; nil when none run
	done   chan struct{}        // closed once they have ended
	state  *deploy.RestoreState // where they stand, for `cutover status`; nil once they ended
	err    string               // why the live release cannot be restored at all (a damaged record)
}

// Reconcile sets the release records right after a stop mid-deploy (see release.Store.Reconcile)
// and reports damaged ones. Nothing here is needed to serve: a failure (a full disk) is logged.
func (a *App) Reconcile() {
	changed, err := a.store.Reconcile()
	for _, r := range changed {
		a.logger.Warn("release record set right after the daemon stopped mid-deploy", "release", r.ID, "status", r.Status)
	}
	if err != nil {
		a.logger.Error("set the release records right: the daemon serves on", "err", err)
	}
	if _, damaged, err := a.store.List(); err == nil {
		for _, dm := range damaged {
			a.logger.Warn("release record is damaged: left out of the history", "release", dm.ID, "reason", dm.Reason)
		}
	}
}

// Restore boots the release that last completed a switch, if any. The first attempt runs before
// the daemon accepts; if it fails, the attempts go on in the background (deploy.RestoreUntilUp),
// while the proxy answers 503 "starting", until one succeeds or a deploy takes over. A live
// release whose record is damaged is not booted: the daemon says so, and a deploy gets out of it.
func (a *App) Restore() {
	rel, err := a.store.Live()
	if err != nil {
		a.mu.Lock()
		a.restoring.err = fmt.Sprintf("the live release cannot be restored: %v", err)
		a.mu.Unlock()
		a.logger.Error("the live release cannot be restored: deploy a new release", "err", err)
		return
	}
	if rel == nil {
		return
	}
	a.logger.Info("booting the live release", "release", rel.ID)
	a.site.SetStarting(fmt.Sprintf("the app is starting: %s is booting", rel.ID), deploy.DefaultRestoreRetryMin)
	ctx, cancel := context.WithCancel(context.Background())
	done, first := make(chan struct{}), make(chan struct{})
	var once sync.Once
	firstFailed := func() { once.Do(func() { close(first) }) }
	a.mu.Lock()
	a.restoring = restoring{cancel: cancel, done: done}
	a.mu.Unlock()
	go func() {
		defer close(done)
		defer firstFailed()
		defer cancel()
		f, err := a.deployer.RestoreUntilUp(ctx, rel, func(e deploy.Event) {
			a.logger.Info("restore", "release", e.Release, "step", e.Step, "kind", e.Kind, "message", e.Message)
		}, func(st deploy.RestoreState) {
			a.restoreProgress(st)
			if st.LastError != "" {
				firstFailed()
			}
		})
		a.site.SetStarting("", 0)
		a.mu.Lock()
		a.restoring.state, a.restoring.cancel = nil, nil
		if f != nil {
			a.live = f
		}
		a.mu.Unlock()
		if err != nil {
			a.logger.Info("stopped booting the live release", "release", rel.ID, "why", err)
			return
		}
		a.logger.Info("the live release serves", "release", rel.ID)
	}()
	<-first
}

// restoreProgress shows where the attempts stand in `cutover status` and on the proxy's 503 page.
func (a *App) restoreProgress(st deploy.RestoreState) {
	a.mu.Lock()
	a.restoring.state = &st
	a.mu.Unlock()
	retry := deploy.DefaultRestoreRetryMin
	if !st.Next.IsZero() {
		retry = time.Until(st.Next)
	}
	a.site.SetStarting(fmt.Sprintf("the app is starting: %s is booting, attempt %d", st.Release, st.Attempt), retry)
}

// StopRestore ends the attempts to boot the live release, if they still go on, and waits until
// they have: a deploy takes over, or the daemon stops.
func (a *App) StopRestore() {
	a.mu.Lock()
	cancel, done := a.restoring.cancel, a.restoring.done
	a.restoring.cancel = nil
	a.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// RestoreUnderWay reports whether attempts to boot the live release go on.
func (a *App) RestoreUnderWay() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.restoring.cancel != nil
}
