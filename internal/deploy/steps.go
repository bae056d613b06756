package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/health"
	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/procfile"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/socket"
)

// prepare makes the release: checks the app, copies it into the store (or picks the release to roll
// back to), and settles its settings.
func (r *run) prepare() error {
	if r.isRollback() {
		target, err := r.rollbackTarget()
		if err != nil {
			return err
		}
		if r.rel, err = r.d.Store.CreateRollback(target); err != nil {
			return err
		}
		if r.forced != "" {
			r.rel.Warnings = append(r.rel.Warnings, r.forced)
		}
		r.info("rolling back to %s (%s); migrations are not reverted", target.ID, target.Source)
	} else {
		// Check the source first, so a broken app leaves no release behind.
		pf, cfg, file, err := loadApp(r.req.Source, r.req.Overrides)
		if err == nil {
			_, err = checkApp(pf, cfg, file, r.req.Overrides)
		}
		if err != nil {
			return err
		}
		if err := r.d.Store.CheckSpace(r.req.Source, r.d.freeSpaceMargin()); err != nil {
			return err
		}
		if r.rel, err = r.d.Store.Create(r.req.Source); err != nil {
			return err
		}
		r.rel.Commit = r.req.Commit
		r.info("%s from %s (%s)", r.rel.ID, r.rel.Origin(), shortHash(r.rel.Hash))
	}
	over := r.withKeptScale(r.req.Overrides)
	pf, cfg, file, err := loadApp(r.rel.Dir, over)
	r.pf, r.cfg, r.rel.Config = pf, cfg, cfg
	if err != nil {
		return err
	}
	warnings, err := checkApp(pf, cfg, file, over)
	if err != nil {
		return err
	}
	warnings = append(warnings, r.keptOverFile(file)...)
	for _, w := range warnings {
		r.warn("%s", w)
	}
	if web, ok := r.pf.Get(procfile.Web); ok && r.cfg.Mode == config.ModeSocket {
		for _, advice := range serverAdvice(web.Command, r.rel.Dir) {
			r.warn("%s", advice)
		}
	}
	return r.settleVars()
}

// rollbackTarget finds the release a rollback boots again: the one named, or the last one that served
// before the live one.
func (r *run) rollbackTarget() (*release.Release, error) {
	liveID := ""
	if r.live != nil {
		liveID = r.live.Release.ID
	}
	if r.req.Rollback != "previous" {
		target, err := r.d.Store.Get(r.req.Rollback)
		switch {
		case err != nil:
			return nil, err
		case target.ID == liveID:
			return nil, fmt.Errorf("%s is already live", target.ID)
		case target.Status != release.Superseded && target.Status != release.Live:
			return nil, fmt.Errorf("%s never served (%s): roll back to a release that did (see `cutover releases`)", target.ID, target.Status)
		}
		return target, r.pastContract(target)
	}
	all, _, err := r.d.Store.List() // a damaged record cannot be rolled back to, nor stop a rollback
	if err != nil {
		return nil, err
	}
	if prev := release.PreviousServed(all, liveID, r.liveHash(), r.liveVarsVersion()); prev != nil {
		return prev, r.pastContract(prev)
	}
	return nil, errors.New("no earlier release has served: there is nothing to roll back to")
}

func (r *run) liveHash() string {
	if r.live == nil {
		return ""
	}
	return r.live.Release.Hash
}

// releasePhase runs the Procfile's release command (migrations, asset uploads) once, streaming its
// output; a failure or timeout stops the deploy before traffic moves. What the command itself did
// before it failed (a framework's migrations, each committed on its own) stays done, and the error
// says so.
func (r *run) releasePhase(ctx context.Context) error {
	ran, err := r.runOnce(ctx, procfile.Release, "release phase")
	if !ran {
		r.info("no release command in the Procfile")
	}
	if err != nil {
		return fmt.Errorf("the release command failed, so traffic did not move and the live release serves on; "+
			"what it did before failing stays done (a framework applies each migration on its own: see its table, "+
			"such as schema_migrations or django_migrations): %w", err)
	}
	return nil
}

// postdeploy runs the Procfile's postdeploy command (contract migrations) once the old release has
// stopped. A failure leaves the new release serving.
func (r *run) postdeploy(ctx context.Context) error {
	cmd, ok := r.pf.Get(procfile.Postdeploy)
	if !ok {
		return nil
	}
	// What it runs is contract, recorded before it starts so that a failure or a crash midway still
	// counts: the migrations the check saw it send, or, unchecked, the command itself.
	switch {
	case len(r.postNames) > 0:
		r.rel.Contract = append(r.rel.Contract, r.postNames...)
	case !r.checked:
		r.rel.Contract = append(r.rel.Contract, "postdeploy: "+cmd.Command+" (not checked, so what it migrates is unknown)")
	}
	if err := r.d.Store.Save(r.rel); err != nil {
		r.d.logger().Warn("save release record", "release", r.rel.ID, "err", err)
	}
	if _, err := r.runOnce(ctx, procfile.Postdeploy, "postdeploy command"); err != nil {
		return fmt.Errorf("the postdeploy command failed: %w (%s keeps serving; fix it and deploy again)", err, r.rel.ID)
	}
	return nil
}

// runOnce runs the Procfile command name once in the new release, streaming its output as events of
// step, bounded by the release timeout; ran is false when the Procfile has no such command.
func (r *run) runOnce(ctx context.Context, name, step string) (ran bool, err error) {
	cmd, ok := r.pf.Get(name)
	if !ok {
		return false, nil
	}
	r.info("$ %s", cmd.Command)
	out := r.output(step)
	defer out.Close()
	spec := r.spawner().spec(name, cmd.Command, 0)
	spec.Stdout = io.MultiWriter(spec.Stdout, out)
	spec.Stderr = io.MultiWriter(spec.Stderr, out)
	return true, process.Run(ctx, spec, time.Duration(r.cfg.ReleaseTimeout))
}

// boot starts the new release's web processes beside the old ones.
func (r *run) boot() error {
	f, err := r.spawner().startWeb(r.pf)
	if err != nil {
		return err
	}
	r.next = f
	for _, p := range f.Processes() {
		r.info("%s started: pid %d, port %d", p.Name, p.Pid, p.Port)
	}
	return nil
}

// waitHealthy waits until every new web process passes its health check, within the boot timeout.
// In socket mode, where the new processes share the socket with the old ones, a process is ready
// once it said so or passed its health check, and accepted a connection on the socket.
func (r *run) waitHealthy(ctx context.Context) error {
	timeout := time.Duration(r.cfg.BootTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if r.next.shared != nil {
		return r.waitSocketReady(ctx, timeout)
	}
	procs := r.next.web.Processes()
	if err := r.healthy(ctx, r.next, procs, timeout); err != nil {
		return err
	}
	r.info("%d web process(es) healthy at %s", len(procs), r.cfg.HealthPath)
	return nil
}

// healthy waits until each of procs, web processes of f, passes its health check within the
// boot timeout, and returns the first failure, said with the process's last output; one failure
// stops the wait for the others.
func (r *run) healthy(ctx context.Context, f *Formation, procs []*process.Process, timeout time.Duration) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(procs))
	for _, p := range procs {
		go func() {
			check := health.Check{URL: f.HealthURL(p.Name()), Interval: time.Duration(r.cfg.HealthInterval)}
			errs <- explainUnhealthy(p, check.Wait(ctx, p.Done()), timeout)
		}()
	}
	var first error
	for range procs {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}

// waitSocketReady is waitHealthy in socket mode.
func (r *run) waitSocketReady(ctx context.Context, timeout time.Duration) error {
	defer r.next.booted()
	procs := r.next.web.Processes()
	booting := make([]socket.Booting, len(procs))
	for i, p := range procs {
		booting[i] = socket.Booting{Name: p.Name(), Group: p.Pid(), HealthURL: r.next.HealthURL(p.Name()), Exited: p.Done()}
	}
	check := socket.Readiness{Shared: r.next.shared, Notifier: r.next.notifier, HealthPath: r.cfg.HealthPath,
		Interval: time.Duration(r.cfg.HealthInterval), OnReady: r.next.sawReady}
	if err := check.Wait(ctx, booting); err != nil {
		var nr *socket.NotReadyError
		for _, p := range procs {
			if errors.As(err, &nr) && nr.Name == p.Name() {
				return explainUnhealthy(p, err, timeout)
			}
		}
		return err
	}
	r.info("%d web process(es) ready on the shared socket %s", len(procs), r.next.shared.Addr())
	return nil
}

// explainUnhealthy turns a failed health wait into an error that says why, with the process's last output.
func explainUnhealthy(p *process.Process, err error, timeout time.Duration) error {
	if err == nil {
		return nil
	}
	var why string
	switch {
	case errors.Is(err, health.ErrExited), errors.Is(err, socket.ErrExited):
		why = fmt.Sprintf("%s crashed while booting (%v)", p.Name(), p.Err())
	case errors.Is(err, context.DeadlineExceeded):
		why = fmt.Sprintf("%s was not healthy within the boot timeout (%s): %v", p.Name(), timeout, err)
		if errors.As(err, new(*socket.NotReadyError)) {
			why = fmt.Sprintf("within the boot timeout (%s), %v", timeout, err)
		}
	default:
		why = fmt.Sprintf("%s: %v", p.Name(), err)
	}
	if tail := p.Tail(); len(tail) > 0 {
		why += "\nlast output of " + p.Name() + ":\n    " + strings.Join(tail, "\n    ")
	}
	return errors.New(why)
}

// switchTraffic points the proxy at the new release atomically and records it as live. In socket
// mode the new processes already accept on the public socket: the proxy stops accepting there, and
// sends what its open connections still ask to the socket.
//
// The live pointer is written before the switch, not after: the switch itself cannot fail, so a
// failed write (a full disk) aborts the deploy before one request reached the new release, and the
// old one, never touched, serves on. Switching first and switching back on a failed write would
// send requests to a release about to be stopped, and a crash between the two would restart the
// one that never took over. A crash right after the write restarts the new release, which has
// passed its health check. The release's own record is written after the switch and a failure
// there only warns: the pointer decides, and the records are set to agree with it at the next
// start (release.Store.Reconcile). A restore writes nothing: the pointer names its release already.
func (r *run) switchTraffic() error {
	// What served before is the live formation's release; with none running (a deploy that took
	// over from a restore that could not boot it), what the pointer names. Not the pointer first:
	// a bake that sent traffic back may have failed to write it.
	prevLive, _ := r.d.Store.LiveID()
	if r.live != nil {
		prevLive = r.live.Release.ID
	}
	if !r.restoring {
		if err := r.d.Store.SetLive(r.rel.ID); err != nil {
			return fmt.Errorf("record %s as live failed, so traffic was not switched: %w", r.rel.ID, err)
		}
	}
	pool := r.next.Pool // the canary's, which serves some clients already
	if pool == nil {
		pool = proxy.NewPool(r.rel.ID, r.next.backends())
		r.next.Pool = pool
	}
	r.startJudging()
	prev := Serve(r.d.Site, pool, r.cfg)
	r.d.Site.SetCanary(nil, 0)
	if r.d.ProxyAccepts != nil {
		// A release on a socket of its own leaves the public one to the proxy.
		if err := r.d.ProxyAccepts(r.cfg.Mode == config.ModeProxy || r.cfg.Listen != ""); err != nil {
			r.warn("%v", err)
		}
	}
	r.switched = true
	r.next.web.Supervise()
	r.rel.Status = release.Live
	if !r.restoring {
		if err := r.d.Store.Save(r.rel); err != nil {
			r.warn("%s serves, but its record was not saved (it is set right at the next start): %v", r.rel.ID, err)
		}
		if prevLive != "" && prevLive != r.rel.ID {
			r.markSuperseded(prevLive)
		}
	}
	if prev != nil {
		r.info("traffic moved: %s → %s", prev.Release(), r.rel.ID)
	} else {
		r.info("traffic moved to %s", r.rel.ID)
	}
	return nil
}

// startWorkers starts the new release's other process types; the old ones stop with the old web.
func (r *run) startWorkers() error {
	if err := r.spawner().startOthers(r.next); err != nil {
		return err
	}
	return nil
}

// drain lets requests in flight on the old release finish there, up to the drain timeout; long-lived
// connections still open at the end of it are closed.
func (r *run) drain() error {
	if r.live == nil || r.live.Pool == nil {
		return nil
	}
	pool := r.live.Pool
	if n := pool.InFlight(); n > 0 {
		r.info("%d request(s) in flight on %s", n, pool.Release())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.cfg.DrainTimeout))
	defer cancel()
	return pool.Drain(ctx)
}

// stopOld stops the old release: SIGTERM, then SIGKILL after its stop timeout.
func (r *run) stopOld() error {
	if r.live == nil {
		return nil
	}
	err := r.live.Stop()
	if errors.Is(err, process.ErrKilled) {
		r.warn("%v", err)
		return nil
	}
	return err
}

func (r *run) spawner() spawner {
	s := spawner{rel: r.rel, cfg: r.cfg, env: r.d.environ(), log: r.d.Log, logger: r.d.logger(),
		cgroups: r.d.Cgroups, state: r.d.Store.Dir(), vars: r.vars.Environ()}
	if r.cfg.Mode == config.ModeSocket {
		s.shared, s.sharedErr = r.d.sharedFor(r.cfg)
	}
	return s
}

func shortHash(h string) string {
	if len(h) > 19 {
		return h[:19]
	}
	return h
}
