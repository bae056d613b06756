package daemon

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

// reconcile sets the release records right after a stop mid-deploy (see release.Store.Reconcile)
// and reports damaged ones. Nothing here is needed to serve: a failure (a full disk) is logged.
func (d *Daemon) reconcile() {
	changed, err := d.store.Reconcile()
	for _, r := range changed {
		d.logger.Warn("release record set right after the daemon stopped mid-deploy", "release", r.ID, "status", r.Status)
	}
	if err != nil {
		d.logger.Error("set the release records right: the daemon serves on", "err", err)
	}
	if _, damaged, err := d.store.List(); err == nil {
		for _, dm := range damaged {
			d.logger.Warn("release record is damaged: left out of the history", "release", dm.ID, "reason", dm.Reason)
		}
	}
}

// restore boots the release that last completed a switch, if any. The first attempt runs before
// the daemon accepts; if it fails, the attempts go on in the background (deploy.RestoreUntilUp),
// while the proxy answers 503 "starting", until one succeeds or a deploy takes over. A live
// release whose record is damaged is not booted: the daemon says so, and a deploy gets out of it.
func (d *Daemon) restore() {
	rel, err := d.store.Live()
	if err != nil {
		d.mu.Lock()
		d.restoring.err = fmt.Sprintf("the live release cannot be restored: %v", err)
		d.mu.Unlock()
		d.logger.Error("the live release cannot be restored: deploy a new release", "err", err)
		return
	}
	if rel == nil {
		return
	}
	d.logger.Info("booting the live release", "release", rel.ID)
	ctx, cancel := context.WithCancel(context.Background())
	done, first := make(chan struct{}), make(chan struct{})
	var once sync.Once
	firstFailed := func() { once.Do(func() { close(first) }) }
	d.mu.Lock()
	d.restoring = restoring{cancel: cancel, done: done}
	d.mu.Unlock()
	go func() {
		defer close(done)
		defer firstFailed()
		defer cancel()
		f, err := d.deployer.RestoreUntilUp(ctx, rel, func(e deploy.Event) {
			d.logger.Info("restore", "release", e.Release, "step", e.Step, "kind", e.Kind, "message", e.Message)
		}, func(st deploy.RestoreState) {
			d.restoreProgress(st)
			if st.LastError != "" {
				firstFailed()
			}
		})
		d.proxy.SetStarting("", 0)
		d.mu.Lock()
		d.restoring.state, d.restoring.cancel = nil, nil
		if f != nil {
			d.live = f
		}
		d.mu.Unlock()
		if err != nil {
			d.logger.Info("stopped booting the live release", "release", rel.ID, "why", err)
			return
		}
		d.logger.Info("the live release serves", "release", rel.ID)
	}()
	<-first
}

// restoreProgress shows where the attempts stand in `cutover status` and on the proxy's 503 page.
func (d *Daemon) restoreProgress(st deploy.RestoreState) {
	d.mu.Lock()
	d.restoring.state = &st
	d.mu.Unlock()
	retry := deploy.DefaultRestoreRetryMin
	if !st.Next.IsZero() {
		retry = time.Until(st.Next)
	}
	d.proxy.SetStarting(fmt.Sprintf("the app is starting: %s is booting, attempt %d", st.Release, st.Attempt), retry)
}

// stopRestore ends the attempts to boot the live release, if they still go on, and waits until
// they have: a deploy takes over, or the daemon stops.
func (d *Daemon) stopRestore() {
	d.mu.Lock()
	cancel, done := d.restoring.cancel, d.restoring.done
	d.restoring.cancel = nil
	d.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// restoreUnderWay reports whether attempts to boot the live release go on.
func (d *Daemon) restoreUnderWay() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.restoring.cancel != nil
}
