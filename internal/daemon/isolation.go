package daemon

import (
	"github.com/cutover-dev/cutover/internal/process"
)

// isolate puts the app's processes in cgroups when this machine lets the daemon (see
// process.OpenCgroups), before the lifeline watcher starts, so that the watcher shares the
// daemon's own cgroup. It falls back to process groups and says why, in the log and in `cutover
// status`.
func (d *Daemon) isolate() {
	if d.opts.NoCgroups {
		d.isolation = process.ErrNoCgroups.Error() + ": cutover serve --cgroups=false"
		return
	}
	cg, err := process.OpenCgroups(d.store.Dir())
	if err != nil {
		d.isolation = err.Error()
		d.logger.Warn("app processes run in process groups only: one that leaves its group (setsid) outlives a stop", "why", err)
		return
	}
	d.deployer.Cgroups = cg
	d.isolation = "cgroup " + cg.Dir
	d.logger.Info("app processes run in cgroups", "cgroup", cg.Dir)
}
