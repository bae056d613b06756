package deploy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/procfile"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
	"github.com/cutover-dev/cutover/internal/socket"
)

// Request asks for one deploy.
type Request struct {
	Source      string        `json:"source,omitempty"`   // the app directory to deploy
	Rollback    string        `json:"rollback,omitempty"` // or: the release to boot again ("previous" for the one before the live one)
	Overrides   config.Config `json:"overrides"`          // settings from the CLI's flags and environment
	AllowUnsafe bool          `json:"allow_unsafe,omitempty"`
}

// Deployer runs deploys. Its fields are set once by the daemon.
type Deployer struct {
	Store    *release.Store
	Proxy    *proxy.Proxy
	Log      *applog.Log
	Recorder *report.Recorder // nil: no figures
	Env      []string         // the base environment of app processes
	Logger   *slog.Logger

	// Socket is the public socket, which web processes of socket-mode releases inherit; nil refuses
	// socket mode.
	Socket *socket.Shared
	// ProxyAccepts, if not nil, is called at each switch: with true when the new release is in proxy
	// mode, so the proxy accepts on the public socket; with false in socket mode, where the app
	// accepts there itself.
	ProxyAccepts func(on bool) error

	// Cgroups, if not nil, is where the web and worker processes run, each in a cgroup of its own
	// below one per release; nil runs them in process groups only.
	Cgroups *process.Cgroups
}

// Run deploys a release beside live (nil when nothing serves yet) and returns the formation that now
// serves, with the release as recorded. On an error before the switch, the new processes are stopped and live keeps serving; the
// returned formation is then nil. The error says which step failed and why.
func (d *Deployer) Run(ctx context.Context, req Request, live *Formation, emit func(Event)) (*release.Release, *Formation, error) {
	r := &run{d: d, req: req, live: live, emit: emit, start: time.Now()}
	r.peakSince = report.ResetPeak(os.Getpid()) == nil
	err := r.story(ctx)
	r.record(err)
	if r.switched {
		return r.rel, r.next, err
	}
	return r.rel, nil, err
}

// Restore boots a release that was live before the daemon restarted and switches traffic to it: the
// deploy story from boot to switch, without a release phase or migrations, and without recording.
func (d *Deployer) Restore(ctx context.Context, rel *release.Release, emit func(Event)) (*Formation, error) {
	r := &run{d: d, rel: rel, cfg: rel.Config, emit: emit, start: time.Now(), restoring: true}
	pf, cfg, err := loadApp(rel.Dir, rel.Config)
	if err != nil {
		return nil, fmt.Errorf("restore %s: %w", rel.ID, err)
	}
	r.pf, r.cfg = pf, cfg
	for _, s := range []struct {
		name string
		fn   func() error
	}{
		{"boot", r.boot},
		{StepHealthy, func() error { return r.waitHealthy(ctx) }},
		{"switch", r.switchTraffic},
		{"start workers", r.startWorkers},
	} {
		if err := r.step(s.name, s.fn); err != nil {
			r.abort()
			return nil, fmt.Errorf("restore %s: %w", rel.ID, err)
		}
	}
	return r.next, nil
}

// environ is the base environment of app processes: the daemon's, without what systemd meant for
// the daemon alone, plus the marker that finds them again after a crash.
func (d *Deployer) environ() []string {
	return append(socket.CleanEnv(d.Env), "CUTOVER_STATE="+d.Store.Dir())
}

// story is the deploy, step by step. Each step is a method of run in steps.go.
func (r *run) story(ctx context.Context) error {
	if err := r.step("prepare", func() error { return r.prepare() }); err != nil {
		return err
	}
	if !r.isRollback() {
		if err := r.step("lint migrations", func() error { return r.lint(ctx) }); err != nil {
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
	if err := r.step("switch", func() error { return r.switchTraffic() }); err != nil {
		r.abort()
		return err
	}
	// From here the new release serves: later failures are reported, never undone.
	r.step("start workers", func() error { return r.startWorkers() })
	r.step("drain", func() error { return r.drain() })
	r.step("stop old", func() error { return r.stopOld() })
	if !r.isRollback() {
		return r.step("post-deploy migrations", func() error { return r.postMigrate(ctx) })
	}
	return nil
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
func (r *run) abort() {
	if r.next == nil {
		return
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
	if r.switched && r.live != nil {
		r.markSuperseded(r.live.Release)
	}
}

func (r *run) markSuperseded(old *release.Release) {
	prev, err := r.d.Store.Get(old.ID)
	if err != nil {
		return
	}
	prev.Status = release.Superseded
	if err := r.d.Store.Save(prev); err != nil {
		r.d.logger().Error("save release record", "release", prev.ID, "err", err)
	}
}

func (d *Deployer) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.Default()
	}
	return d.Logger
}

// procfilePath is where a release keeps its Procfile.
func procfilePath(rel *release.Release) string { return filepath.Join(rel.Dir, "Procfile") }
