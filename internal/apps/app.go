package apps

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/metrics"
	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
	"github.com/cutover-dev/cutover/internal/socket"
	"github.com/cutover-dev/cutover/internal/vars"
)

// DefaultNoReleaseRetry is the Retry-After of the 503 page an app answers before its first release.
const DefaultNoReleaseRetry = 30 * time.Second

// Runtime is what every app of a daemon shares: where the state is, the proxy, the daemon's
// settings for app processes, and the daemon's lifetime.
type Runtime struct {
	StateDir string
	Proxy    *proxy.Proxy
	Env      []string // base environment of app processes
	Logger   *slog.Logger
	// KeepReleases and FreeSpaceMargin are the deployer's (see deploy.Deployer).
	KeepReleases    int
	FreeSpaceMargin int64
	// NoCgroups runs app processes in process groups only (see process.OpenCgroups).
	NoCgroups bool
	// LogMaxBytes and LogKeep rotate each app's log (see applog.OpenRotating).
	LogMaxBytes int64
	LogKeep     int
	// Stopping is closed when the daemon begins to stop: a deploy under way winds down.
	Stopping <-chan struct{}
	// Upgraded is closed once a new daemon has taken over: deploys are refused.
	Upgraded <-chan struct{}
	// Socket is the public socket, and ProxyAccepts starts or stops the proxy accepting there:
	// the one app of a daemon with no other may serve on it itself (socket mode; see
	// deploy.Deployer). Nil: no app may.
	Socket       *socket.Shared
	ProxyAccepts func(on bool) error
	// OnChange, if set, is called after the set changed: the daemon gives the hosts their
	// certificates.
	OnChange func()
	// Listeners opens, or finds open, the socket of app's own at addr, for a socket-mode release
	// with `listen` (see deploy.Deployer.Listeners); nil refuses them.
	Listeners func(app, addr string) (*socket.Shared, error)
	Metrics   *metrics.Registry // counts every app's requests and deploys; nil: metrics are off
}

// App is one app of the daemon: its releases, the deploys that make them, the formation that
// serves, its logs and figures, and its part of the proxy. Deploys of one app run one at a time.
type App struct {
	Name string

	rt       *Runtime
	set      *Set // the set the app is part of
	logger   *slog.Logger
	dir      string
	store    *release.Store
	site     *proxy.Site
	log      *applog.Log
	logFile  *applog.RotatingFile
	recorder *report.Recorder
	deployer *deploy.Deployer
	metrics  *metrics.App // nil when metrics are off; set before the app is routed to
	vars     *vars.Store  // the app's config vars
	// isolation says how the app's processes are confined, for `cutover status`: "cgroup DIR", or
	// why process groups only.
	isolation string

	// trafficMu orders the changes of pause and maintenance against a deploy that gives the
	// proxy the new release's maintenance page.
	trafficMu sync.Mutex
	deployMu  sync.Mutex // held for the whole of a deploy: one at a time
	destroyed bool       // set, with deployMu held, once the app is destroyed

	mu        sync.Mutex // guards the fields below
	settings  Settings
	live      *deploy.Formation
	deploying string
	deployAt  time.Time
	current   *deployment // the deploy under way, nil when none
	restoring restoring   // the attempts to boot the live release after a start, while they go on
}

// open opens the app whose directory is dir, with its settings s, and gives it a site of the
// proxy; its processes are not started (see App.Restore and App.Adopt).
func open(rt *Runtime, name string, s Settings) (*App, error) {
	dir := Dir(rt.StateDir, name)
	store, err := release.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("app %s: %w", name, err)
	}
	if err := release.MakePrivateDir(filepath.Join(dir, "logs")); err != nil {
		return nil, fmt.Errorf("app %s: create log dir: %w", name, err)
	}
	vs, err := vars.Open(filepath.Join(dir, vars.DirName))
	if err != nil {
		return nil, fmt.Errorf("app %s: %w", name, err)
	}
	logFile, err := applog.OpenRotating(logPath(dir), rt.LogMaxBytes, rt.LogKeep, release.OpenPrivateAppend)
	if err != nil {
		return nil, fmt.Errorf("app %s: open its log: %w", name, err)
	}
	logger := rt.Logger.With("app", name)
	a := &App{Name: name, rt: rt, logger: logger, dir: store.Dir(), store: store, logFile: logFile, settings: s,
		log:      applog.New(applog.DefaultCapacity, logFile),
		recorder: report.NewRecorder(report.DefaultRetention),
		site:     rt.Proxy.NewSite(name),
		vars:     vs,
	}
	a.site.SetObserve(a.observe)
	if rel, err := store.Live(); err == nil && rel == nil {
		// Until its first deploy switches, the app's hosts answer 503, not 502: nothing is broken.
		a.site.SetStarting("this app has no release yet", DefaultNoReleaseRetry)
	}
	a.deployer = &deploy.Deployer{Store: store, Site: a.site, Log: a.log, Recorder: a.recorder, Env: rt.Env, Logger: logger,
		KeepReleases: rt.KeepReleases, FreeSpaceMargin: rt.FreeSpaceMargin, Vars: vs}
	if rt.Listeners != nil {
		a.deployer.Listeners = func(addr string) (*socket.Shared, error) { return rt.Listeners(name, addr) }
	}
	a.isolate()
	a.applyTraffic(s)
	return a, nil
}

// logPath is the log file of the app whose directory is dir.
func logPath(dir string) string { return filepath.Join(dir, "logs", "app.log") }

// observe feeds every request routed to the app into its deploy figures, and to the bake of a
// deploy under way.
func (a *App) observe(r proxy.Result) {
	now := time.Now()
	a.recorder.Observe(now, r.Duration, r.Outcome())
	a.deployer.Observe(now, r)
	a.metrics.Observe(r)
}

// isolate puts the app's processes in cgroups of their own when this machine lets the daemon (see
// process.OpenCgroups), and otherwise says why, in the log and in `cutover status`.
func (a *App) isolate() {
	if a.rt.NoCgroups {
		a.isolation = process.ErrNoCgroups.Error() + ": cutover serve --cgroups=false"
		return
	}
	cg, err := process.OpenCgroups(a.dir)
	if err != nil {
		a.isolation = err.Error()
		a.logger.Warn("app processes run in process groups only: one that leaves its group (setsid) outlives a stop", "why", err)
		return
	}
	a.deployer.Cgroups = cg
	a.isolation = "cgroup " + cg.Dir
}

// Dir is the app's directory in the state directory.
func (a *App) Dir() string { return a.dir }

// Site is the app's part of the proxy.
func (a *App) Site() *proxy.Site { return a.site }

// Deployer is the app's deployer, whose socket-mode fields the daemon sets for the app that
// serves on the public socket.
func (a *App) Deployer() *deploy.Deployer { return a.deployer }

// Isolation says how the app's processes are confined.
func (a *App) Isolation() string { return a.isolation }

// Settings returns the app's settings.
func (a *App) Settings() Settings {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.settings
}

// Live returns the formation that serves, nil when none does.
func (a *App) Live() *deploy.Formation {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.live
}

// Stop stops the app's processes gracefully, and removes its cgroups; the daemon stops.
func (a *App) Stop() error {
	a.StopRestore()
	live := a.Live()
	var err error
	if live != nil {
		err = live.Stop()
	}
	if cg := a.deployer.Cgroups; cg != nil {
		if rerr := cg.Remove(); rerr != nil {
			a.logger.Warn("remove the app's cgroups", "err", rerr)
		}
	}
	return err
}

// Close closes the app's log file.
func (a *App) Close() error { return a.logFile.Close() }

// Info describes the app for `cutover apps`.
func (a *App) Info() control.AppInfo {
	a.mu.Lock()
	defer a.mu.Unlock()
	info := control.AppInfo{Name: a.Name, Hosts: append([]string{}, a.settings.Hosts...), Dir: a.dir,
		Created: a.settings.Created, Deploying: a.deploying, TLSCert: a.settings.TLSCert, HSTS: a.settings.HSTS,
		NoRedirect: a.settings.NoRedirect}
	if a.live != nil {
		info.Live = a.live.Release.ID
		if a.live.Config.Mode == config.ModeSocket {
			info.Socket, info.Listen = a.live.Config.Listen == "", a.live.Config.Listen
		}
	}
	return info
}
