package deploy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/bake"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/procfile"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
	"github.com/cutover-dev/cutover/internal/socket"
	"github.com/cutover-dev/cutover/internal/vars"
)

// Request asks for one deploy.
type Request struct {
	Source      string        `json:"source,omitempty"`   // the app directory to deploy
	Rollback    string        `json:"rollback,omitempty"` // or: the release to boot again ("previous" for the one before the live one)
	Overrides   config.Config `json:"overrides"`          // settings from the CLI's flags and environment
	AllowUnsafe bool          `json:"allow_unsafe,omitempty"`
	// SkipCheck deploys without checking the release command's SQL on a scratch copy (recorded).
	SkipCheck bool `json:"skip_check,omitempty"`
	// Force rolls back even past post-deploy (contract) migrations run since the target served.
	Force bool `json:"force,omitempty"`
	// Abort, set by the daemon, stops the deploy when asked before its switch; nil: it cannot be.
	Abort *Abort `json:"-"`
	// Bake, set by the daemon, ends the deploy's bake when asked (promote or rollback); nil: only
	// its window and its judgement end it.
	Bake *Bake `json:"-"`
	// VarsChangeOf, set by the daemon for a change of config vars, is the live release whose code
	// the new release boots again with the current config vars; Source is then that release's copy.
	VarsChangeOf string `json:"-"`
	// Commit is the git commit Source was exported from, recorded on the release; nil when the
	// deploy did not come from a push (package gitpush).
	Commit *release.Commit `json:"commit,omitempty"`
}

// Deployer runs deploys. Its fields are set once by the daemon.
type Deployer struct {
	Store    *release.Store
	Site     *proxy.Site // the app's part of the proxy, switched to each new release
	Log      *applog.Log
	Recorder *report.Recorder // nil: no figures
	Env      []string         // the base environment of app processes
	Logger   *slog.Logger

	// Socket is the public socket, which web processes of socket-mode releases inherit; nil refuses
	// socket mode.
	Socket *socket.Shared
	// Listeners opens, or finds open, the listening socket at addr that the web processes of a
	// socket-mode release with its own `listen` address take over; nil refuses such releases.
	Listeners func(addr string) (*socket.Shared, error)
	// ProxyAccepts, if not nil, is called at each switch: with true when the new release is in proxy
	// mode, so the proxy accepts on the public socket; with false in socket mode, where the app
	// accepts there itself.
	ProxyAccepts func(on bool) error

	// KeepReleases is how many of the newest releases stay on disk after a deploy that switched
	// (besides the live one and its rollback target); zero means release.DefaultKeepReleases.
	KeepReleases int
	// FreeSpaceMargin is the free space, in bytes, a deploy needs on the state directory's
	// filesystem beyond the app's size; zero means release.DefaultFreeSpaceMargin, negative none.
	FreeSpaceMargin int64
	// Cgroups, if not nil, is where the web and worker processes run, each in a cgroup of its own
	// below one per release; nil runs them in process groups only.
	Cgroups *process.Cgroups
	// PostgresRoot is where the check of the release command looks for PostgreSQL's server
	// binaries (after PATH), one folder per version; "" means capture.DefaultInstallRoot.
	PostgresRoot string

	judge      atomic.Pointer[bake.Judge]      // the bake under way, fed by Observe; nil when none
	timeline   atomic.Pointer[report.Timeline] // the deploy under way's points of 100 ms, fed by Observe
	served     *report.Recorder                // the requests the app's releases answered: see servedRecorder
	servedOnce sync.Once
	// Vars is the app's config vars: a new release boots with the current version, a rollback
	// with its target's (see vars.go). Nil: the app has none.
	Vars *vars.Store
}

// sharedFor is the listening socket a release with cfg serves on itself in socket mode: its own
// listen address, or the public socket; nil and the error that says why when it has none.
func (d *Deployer) sharedFor(cfg config.Config) (*socket.Shared, error) {
	if cfg.Listen == "" {
		return d.Socket, nil
	}
	if d.Listeners == nil {
		return nil, fmt.Errorf("listen = %q: this daemon gives no app a socket of its own", cfg.Listen)
	}
	sh, err := d.Listeners(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen = %q: %w", cfg.Listen, err)
	}
	return sh, nil
}

// Run deploys a release beside live (nil when nothing serves yet) and returns the formation that now
// serves, with the release as recorded. On an error before the switch, or a bake that sent traffic
// back, the new processes are stopped and live keeps serving; the returned formation is then nil.
// The error says which step failed and why.
func (d *Deployer) Run(ctx context.Context, req Request, live *Formation, emit func(Event)) (*release.Release, *Formation, error) {
	r := &run{d: d, req: req, live: live, emit: emit, start: time.Now()}
	r.peakSince = report.ResetPeak(os.Getpid()) == nil
	r.timeline = report.NewTimeline(r.start, 0)
	d.timeline.Store(r.timeline)
	defer d.timeline.CompareAndSwap(r.timeline, nil)
	err := r.story(ctx)
	switch {
	case r.rolledBack:
	case !r.switched:
		err = r.req.Abort.explain(err)
	default:
		r.keepScale()
	}
	r.record(err)
	if r.rel != nil {
		if derr := d.Store.DropApp(r.rel); derr != nil {
			d.logger().Warn("free the failed release's files", "release", r.rel.ID, "err", derr)
		}
	}
	if r.switched && !r.rolledBack {
		r.prune()
		return r.rel, r.next, err
	}
	return r.rel, nil, err
}

// environ is the base environment of app processes: the daemon's, without what systemd meant for
// the daemon alone, plus the marker that finds them again after a crash.
func (d *Deployer) environ() []string {
	return append(socket.CleanEnv(d.Env), "CUTOVER_STATE="+d.Store.Dir())
}

// story is the deploy, step by step. Each step is a method of run in steps.go.
func (r *run) story(ctx context.Context) error {
	if err := r.step(StepPrepare, func() error { return r.prepare() }); err != nil {
		return err
	}
	if !r.isRollback() {
		// A rollback's copy is of a release that was built already.
		if cmd, err := r.buildCommand(); cmd != "" || err != nil {
			if err := r.step(StepBuild, func() error { return r.build(ctx) }); err != nil {
				return err
			}
		}
		if err := r.step("lint migrations", func() error { return r.lint(ctx) }); err != nil {
			return err
		}
		if err := r.step(StepCheck, func() error { return r.check(ctx) }); err != nil {
			return err
		}
		if err := r.step("pre-deploy migrations", func() error { return r.preMigrate(ctx) }); err != nil {
			return err
		}
		if err := r.step("release phase", func() error { return r.releasePhase(ctx) }); err != nil {
			return err
		}
	}
	if err := r.step("boot", func() error { return r.boot() }); err != nil {
		return err
	}
	if err := r.step(StepHealthy, func() error { return r.waitHealthy(ctx) }); err != nil {
		r.abort()
		return err
	}
	if err := r.req.Abort.enterSwitch(); err != nil {
		r.abort()
		return err
	}
	if ok, why := r.canaries(); ok || why != "" {
		if err := r.step(StepCanary, func() error { return r.canary(ctx) }); err != nil {
			return err
		}
	}
	if err := r.step("switch", func() error { return r.switchTraffic() }); err != nil {
		r.abort()
		return err
	}
	// From here the new release serves: later failures are reported, never undone, except by the
	// bake, while the old release is still booted.
	r.step("start workers", func() error { return r.startWorkers() })
	if ok, why := r.bakes(); ok || why != "" {
		if err := r.step(StepBake, func() error { return r.bake(ctx) }); err != nil {
			return err
		}
	}
	r.step("drain", func() error { return r.drain() })
	if err := r.step("stop old", func() error { return r.stopOld() }); err != nil && !r.isRollback() {
		// Contract migrations may remove what the old release reads: not while it may still run.
		return fmt.Errorf("%w; the post-deploy migrations and the postdeploy command did not run, since the old release "+
			"may still be running: stop it, then deploy again (or run them by hand)", err)
	}
	if r.isRollback() {
		return nil
	}
	if ctx.Err() != nil {
		// The daemon stops: a contract migration cut short is worse than one not started.
		return fmt.Errorf("the daemon stopped (%v) before the post-deploy migrations and the postdeploy command ran: "+
			"%s serves; run them by hand once it is back (`cutover run -- <the postdeploy command>`)", context.Cause(ctx), r.rel.ID)
	}
	if err := r.step("post-deploy migrations", func() error { return r.postMigrate(ctx) }); err != nil {
		return err
	}
	return r.step("postdeploy command", func() error { return r.postdeploy(ctx) })
}

// run is the state of one deploy.
type run struct {
	d     *Deployer
	req   Request
	live  *Formation
	emit  func(Event)
	start time.Time

	rel       *release.Release
	cfg       config.Config
	pf        *procfile.Procfile
	next      *Formation
	switched  bool
	restoring bool // booting a release that was live before a restart: no timeline, no record
	peakSince bool // the daemon's peak memory was reset when the deploy started
	// postNames are the framework migrations the postdeploy command sent on the scratch copy;
	// checked says the check ran the commands there.
	postNames []string
	checked   bool
	forced    string // the warning of a rollback forced past contract migrations

	judge      *bake.Judge      // the new release's judge during the bake, nil without one
	timeline   *report.Timeline // the deploy's points of 100 ms; nil when restoring
	rolledBack bool             // the bake sent traffic back to live
	canaried   bool             // a canary passed before the switch: no bake after it
	vars       vars.Version     // the config vars the release boots with (see vars.go)
}

func (r *run) isRollback() bool { return r.req.Rollback != "" }

// step runs fn as a named step of the timeline, telling the client as it starts and ends.
func (r *run) step(name string, fn func() error) error {
	start := time.Now()
	r.event(Event{Step: name, Kind: StepStart})
	err := fn()
	st := release.Step{Name: name, Start: start, Duration: time.Since(start)}
	ev := Event{Step: name, Kind: StepDone, Duration: st.Duration}
	if err != nil {
		st.Error = err.Error()
		ev.Kind, ev.Message = StepFail, err.Error()
	}
	if r.rel != nil && !r.restoring {
		r.rel.Steps = append(r.rel.Steps, st)
	}
	r.event(ev)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func (r *run) event(e Event) {
	e.Time = time.Now()
	if r.rel != nil {
		e.Release = r.rel.ID
	}
	if r.emit != nil {
		r.emit(e)
	}
}

func (r *run) info(format string, args ...any) {
	r.event(Event{Kind: Info, Message: fmt.Sprintf(format, args...)})
}

func (r *run) warn(format string, args ...any) {
	r.event(Event{Kind: Warn, Message: fmt.Sprintf(format, args...)})
}

// abort stops the new processes after a failure before the switch; the old release keeps serving.
// A canary of the new release that still has clients (a switch that failed after it passed) is
// ended first and its requests drained, so that no client is left on a stopped pool.
func (r *run) abort() {
	if r.next == nil {
		return
	}
	if pool := r.canaryPool(); pool != nil && pool == r.next.Pool {
		r.d.Site.SetCanary(nil, 0)
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.cfg.DrainTimeout))
		if err := pool.Drain(ctx); err != nil {
			r.warn("%v", err)
		}
		cancel()
	}
	if err := r.next.Stop(); err != nil {
		r.d.logger().Warn("stop aborted release", "release", r.rel.ID, "err", err)
	}
	r.next = nil
	if r.live != nil {
		r.info("%s keeps serving", r.live.Release.ID)
	}
}

// record stores the deploy's result, timeline and figures with the release.
func (r *run) record(err error) {
	if r.rel == nil {
		return
	}
	switch {
	case r.rolledBack:
		r.rel.Status = release.RolledBack
	case r.switched:
		r.rel.Status = release.Live
	case errors.Is(err, context.Canceled):
		r.rel.Status = release.Interrupted
	default:
		r.rel.Status = release.Failed
	}
	if err != nil {
		r.rel.Error = err.Error()
	}
	r.measure()
	if serr := r.d.Store.Save(r.rel); serr != nil {
		r.d.logger().Error("save release record", "release", r.rel.ID, "err", serr)
	}
}

// markSuperseded records that the release id served and was replaced; a record that cannot be
// read or saved is left for Store.Reconcile at the next start.
func (r *run) markSuperseded(id string) {
	prev, err := r.d.Store.Get(id)
	if err != nil {
		return
	}
	prev.Status = release.Superseded
	if err := r.d.Store.Save(prev); err != nil {
		r.d.logger().Error("save release record", "release", prev.ID, "err", err)
	}
}

// prune removes old releases after a deploy that switched, keeping the newest KeepReleases.
func (r *run) prune() {
	removed, err := r.d.Store.Prune(r.d.keepReleases())
	if len(removed) > 0 {
		r.info("pruned %s (keeping the last %d releases)", strings.Join(removed, ", "), r.d.keepReleases())
	}
	if err != nil {
		r.warn("prune old releases: %v", err)
	}
}

// Prune removes releases older than the newest keep (zero: KeepReleases), never the live one or
// its rollback target (see release.Store.Prune), and returns the ids removed. Call it between
// deploys.
func (d *Deployer) Prune(keep int) ([]string, error) {
	if keep == 0 {
		keep = d.keepReleases()
	}
	return d.Store.Prune(keep)
}

func (d *Deployer) keepReleases() int {
	if d.KeepReleases == 0 {
		return release.DefaultKeepReleases
	}
	return d.KeepReleases
}

func (d *Deployer) freeSpaceMargin() int64 {
	switch {
	case d.FreeSpaceMargin == 0:
		return release.DefaultFreeSpaceMargin
	case d.FreeSpaceMargin < 0:
		return 0
	}
	return d.FreeSpaceMargin
}

func (d *Deployer) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.Default()
	}
	return d.Logger
}

// procfilePath is where a release keeps its Procfile.
func procfilePath(rel *release.Release) string { return filepath.Join(rel.Dir, "Procfile") }
