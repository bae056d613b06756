// Package daemon is `cutover serve`: it holds the sockets (public and control), the proxy and the
// apps (package apps), and their lifetimes. It wires; the apps decide what a deploy does, and the
// proxy how a request is routed.
//
// On start it kills what a crashed predecessor left running, migrates a single-app state directory
// to the apps layout once, boots each app's release that last completed a switch, and only then
// starts accepting on the public address (the kernel queues connections until then). On stop it
// finishes in-flight requests and stops the apps gracefully.
//
// At an upgrade it starts the cutover binary at its path again and hands it the public and control
// sockets, the apps' processes and their output (see Upgrade); the new daemon adopts them, and the
// old one lets go, finishes what it has in flight, closes each client connection between requests
// and exits, leaving the apps running.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/apps"
	"github.com/cutover-dev/cutover/internal/certs"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/gitpush"
	"github.com/cutover-dev/cutover/internal/metrics"
	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/socket"
)

// Defaults of the daemon.
const (
	DefaultListen          = ":8080"
	DefaultShutdownTimeout = 30 * time.Second // to finish in-flight requests when the daemon stops
	DefaultControlTimeout  = 10 * time.Second // a CLI sending its request headers on the control socket
	// DefaultRetireTimeout bounds how long a daemon that handed over waits for its client
	// connections to close between requests: past the proxy's idle timeout, by which even idle
	// ones have been closed by it.
	DefaultRetireTimeout = proxy.DefaultIdleTimeout + 15*time.Second
	// DefaultHandoverWindow is how long a new daemon believes the requests its predecessor passes
	// on (see proxy.NewHandoverPool): past the longest that one serves after handing over, its
	// retirement and shutdown, with a minute to spare.
	DefaultHandoverWindow = DefaultRetireTimeout + DefaultShutdownTimeout + time.Minute
)

// Options configure a Daemon.
type Options struct {
	StateDir string
	Listen   string       // public address; "" means DefaultListen
	Listener net.Listener // already open public listener (tests); overrides Listen
	Env      []string     // base environment of app processes; nil means os.Environ()
	Version  string
	Logger   *slog.Logger // nil means slog.Default()
	// Executable is the cutover binary that runs the lifeline watcher and, at an upgrade, the new
	// daemon; "" means this process's own, as os.Executable finds it (its path, so a binary
	// replaced there is the new version).
	Executable string
	// Args are the arguments, after the program name, the new daemon gets at an upgrade; nil means
	// this daemon's own.
	Args []string
	// KeepReleases and FreeSpaceMargin are the deployer's (see deploy.Deployer); zero means
	// release.DefaultKeepReleases and release.DefaultFreeSpaceMargin.
	KeepReleases    int
	FreeSpaceMargin int64
	// NoCgroups runs the app's processes in process groups only, even where the daemon could put
	// them in cgroups (see process.OpenCgroups).
	NoCgroups bool
	// LogMaxBytes and LogKeep rotate the app log (logs/app.log): at that size, keeping that many
	// rotated files; zero means applog.DefaultFileMaxBytes and applog.DefaultFileKeep.
	LogMaxBytes int64
	LogKeep     int
	// TrustedProxies are the proxies in front of the daemon whose X-Forwarded-For is kept (see
	// proxy.Options.TrustedProxies); nil trusts no one.
	TrustedProxies []netip.Prefix
	// HTTPS is the address of the HTTPS listener, "" for none; HTTPSListener an open one (tests).
	HTTPS         string
	HTTPSListener net.Listener
	// ACME gets certificates for hosts without files of their own (see ACME.On).
	ACME ACME
	// Metrics is the address to serve Prometheus metrics on (at metrics.DefaultPath), "" for
	// none; MetricsListener an open one (tests).
	Metrics         string
	MetricsListener net.Listener
	// Dashboard is the address to serve the web dashboard on (with the metrics), "" for none;
	// DashboardListener an open one (tests).
	Dashboard         string
	DashboardListener net.Listener
}

// Daemon runs the apps of one state directory.
type Daemon struct {
	opts     Options
	logger   *slog.Logger
	stateDir string // absolute
	proxy    *proxy.Proxy
	apps     *apps.Set      // nil until the daemon started
	shared   *socket.Shared // the public socket, held for the daemon's whole life
	https    *socket.Shared // the HTTPS socket, nil when the daemon serves none
	ctl      net.Listener   // the control socket
	lifeline *os.File       // held open while the daemon runs: see process.StartLifeline
	// oldLifeline is the lifeline of a daemon from before apps, whose watcher kills only the
	// processes it marked: held open (and handed on) so that it never fires while they run.
	oldLifeline *os.File

	started  time.Time
	stopping chan struct{} // closed when Run begins to shut down: cancels a deploy under way
	upgraded chan struct{} // closed once a new daemon has taken over: Run lets go and exits

	acceptMu sync.Mutex   // guards proxyLn
	proxyLn  net.Listener // the proxy's accept loop on the public socket; nil while an app accepts there

	listeners appListeners // the sockets of apps in socket mode with a listen address of their own

	certs   *certs.Manager // the hosts' certificates, nil without HTTPS
	httpsLn net.Listener   // the proxy's accept loop on the HTTPS socket
	tlsSync chan struct{}  // asks keepTLSInSync to bring certificates in line with the apps
	tlsMu   sync.Mutex     // one syncTLS at a time

	metrics     *metrics.Registry // nil when the daemon serves no metrics
	metricsSock *socket.Shared    // the metrics socket, nil when the daemon serves none
	metricsSrv  *http.Server
	dashSock    *socket.Shared // the dashboard socket, nil when the daemon serves none
	dashSrv     *http.Server   // the dashboard's server, nil when the daemon serves none
	dashStop    func()         // ends the dashboard's sampling of the metrics
}

// New prepares a daemon on its state directory; Run starts it.
func New(opts Options) (*Daemon, error) {
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	dir, err := filepath.Abs(opts.StateDir)
	if err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	if err := release.OpenStateDir(dir); err != nil {
		return nil, err
	}
	d := &Daemon{
		opts: opts, logger: logger, stateDir: dir,
		stopping: make(chan struct{}),
		upgraded: make(chan struct{}),
		tlsSync:  make(chan struct{}, 1),
	}
	if d.opts.Executable == "" {
		if d.opts.Executable, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("find cutover's own binary: %w", err)
		}
	}
	if d.opts.Args == nil {
		d.opts.Args = os.Args[1:]
	}
	// Request bodies the proxy buffers past memory; their files are unlinked once made, so only a
	// crash at that moment leaves one, which this start removes.
	bodyDir := filepath.Join(dir, "bodies")
	if err := os.MkdirAll(bodyDir, 0o700); err != nil {
		return nil, fmt.Errorf("make %s for buffered request bodies: %w (check the state directory's permissions)", bodyDir, err)
	}
	if err := proxy.SweepBodyFiles(bodyDir); err != nil {
		logger.Warn("buffered request bodies left by a crash not removed", "dir", bodyDir, "err", err)
	}
	d.proxy = proxy.New(proxy.Options{Logger: logger, TrustedProxies: opts.TrustedProxies, Challenge: d.serveChallenge,
		HTTPSPort: httpsPort(opts), BodyDir: bodyDir})
	d.newMetrics()
	return d, nil
}

// openApps migrates a single-app state directory to the apps layout (once) and opens the apps.
// It runs only while this daemon is the state directory's only writer: after the control socket
// proved no other daemon runs, or once the daemon before it at an upgrade has let go.
func (d *Daemon) openApps() (migrated string, err error) {
	if migrated, err = apps.Migrate(d.stateDir, d.logger); err != nil {
		return "", fmt.Errorf("move the state directory to the apps layout (run again: it resumes where it stopped): %w", err)
	}
	if migrated != "" {
		d.logger.Info("the state directory now holds apps: its app is named after its source", "app", migrated,
			"see", "cutover apps")
	}
	d.apps, err = apps.Open(&apps.Runtime{
		StateDir: d.stateDir, Proxy: d.proxy, Env: d.opts.Env, Logger: d.logger,
		KeepReleases: d.opts.KeepReleases, FreeSpaceMargin: d.opts.FreeSpaceMargin, NoCgroups: d.opts.NoCgroups,
		LogMaxBytes: d.opts.LogMaxBytes, LogKeep: d.opts.LogKeep,
		Stopping: d.stopping, Upgraded: d.upgraded, Socket: d.shared, ProxyAccepts: d.proxyAccepts,
		OnChange: d.tlsChanged, Listeners: d.listeners.get, Metrics: d.metrics,
	})
	if err != nil {
		return "", err
	}
	for _, a := range d.apps.All() {
		a.Reconcile()
		d.gitRepo(a)
		// No push can be deploying before the daemon serves: what one left is a crash's.
		if err := gitpush.SweepCheckouts(a.Dir()); err != nil {
			d.logger.Warn("git checkouts left by a push", "app", a.Name, "err", err)
		}
	}
	return migrated, nil
}

// Run serves until ctx is done, then shuts down gracefully; or, once a new daemon has taken over at
// an upgrade, lets go and returns. ready, if not nil, is called with the public address once the
// daemon accepts traffic. Started by an upgrade, it takes over from the daemon before it.
func (d *Daemon) Run(ctx context.Context, ready func(net.Addr)) error {
	d.started = time.Now()
	pred, err := socket.TakeOver()
	if err != nil {
		return err
	}
	if pred != nil {
		err = d.inherit(pred)
	} else {
		err = d.open()
	}
	if err == nil {
		if err = errors.Join(d.openHTTPS(pred), d.openMetrics(pred), d.openDashboard(pred)); err != nil {
			d.shared.Close()
			d.ctl.Close()
		}
	}
	if err != nil {
		if pred != nil {
			pred.Fail(err)
		}
		return err
	}
	defer d.shared.Close()
	defer d.ctl.Close()
	defer d.listeners.close()
	if pred != nil {
		if err := d.takeOver(ctx, pred); err != nil {
			return err
		}
	} else {
		if err := d.newCerts(nil); err != nil {
			return err
		}
		if _, err := d.openApps(); err != nil {
			return err
		}
		d.restoreAll(d.apps.All())
	}
	defer d.apps.Close()
	if d.https != nil {
		defer d.https.Close()
	}
	if d.metricsSock != nil {
		defer d.metricsSock.Close()
	}
	if d.dashSock != nil {
		defer d.dashSock.Close()
	}
	if err := errors.Join(d.startTLS(), d.startMetrics()); err != nil {
		return err
	}
	if err := d.startDashboard(); err != nil {
		if pred == nil {
			return err
		}
		// The apps are this daemon's now: a dashboard it cannot serve is no reason to drop them.
		d.logger.Error("cannot serve the dashboard after the upgrade", "err", err)
	}
	ctlSrv := &http.Server{Handler: control.Handler(d, d.logger), ReadHeaderTimeout: DefaultControlTimeout}
	go ctlSrv.Serve(d.ctl)
	if err := d.proxyAccepts(d.proxyMode()); err != nil {
		return err
	}
	stopSignals := d.upgradeOnSignals(ctx)
	defer stopSignals()

	if d.https != nil {
		d.logger.Info("serving HTTPS", "listen", d.https.Addr().String(), "acme", d.opts.ACME.On(), "ca", d.opts.ACME.CA)
	}
	d.logger.Info("serving", "listen", d.shared.Addr().String(), "state", d.stateDir, "apps", len(d.apps.All()))
	if err := socket.Notify("READY=1\nSTATUS=serving on " + d.shared.Addr().String()); err != nil {
		d.logger.Warn("tell systemd the daemon is ready", "err", err)
	}
	if ready != nil {
		ready(d.shared.Addr())
	}
	select {
	case <-ctx.Done():
	case <-d.upgraded:
	}
	return d.shutdown(ctlSrv)
}

// open opens the control and public sockets, kills what a crashed daemon left running, and starts
// the lifeline watcher.
func (d *Daemon) open() error {
	ctl, err := control.Listen(d.stateDir)
	if err != nil {
		return err
	}
	d.ctl = ctl
	if n, err := apps.KillOrphans(d.stateDir); err != nil {
		d.logger.Warn("look for orphaned app processes", "err", err)
	} else if n > 0 {
		d.logger.Warn("killed app processes left by a previous daemon", "count", n)
	}
	if d.shared, err = d.listen(); err != nil {
		ctl.Close()
		return err
	}
	d.lifeline = d.startLifeline()
	return nil
}

// startLifeline starts the lifeline watcher of this binary, which kills every app's processes
// once no daemon holds the lifeline any more; nil (and a warning) when it cannot.
func (d *Daemon) startLifeline() *os.File {
	watcher := &exec.Cmd{Path: d.opts.Executable, Args: []string{"cutover", "lifeline", "--state", d.stateDir}, Stderr: os.Stderr}
	lifeline, err := process.StartLifeline(watcher)
	if err != nil {
		d.logger.Warn("app processes will outlive a crash of the daemon until it starts again", "err", err)
	}
	return lifeline
}

// restoreAll boots each app's live release, all at once: the daemon accepts once every app's first
// attempt has ended (see apps.App.Restore), so one slow app does not hold the others back longer
// than itself.
func (d *Daemon) restoreAll(all []*apps.App) {
	var wg sync.WaitGroup
	for _, a := range all {
		wg.Go(a.Restore)
	}
	wg.Wait()
}

// shutdown finishes in-flight requests, then stops the app; or, when a new daemon took over, lets
// go (see letGo).
func (d *Daemon) shutdown(ctlSrv *http.Server) error {
	close(d.stopping)
	all, unlock := d.apps.LockDeploys() // a deploy under way sees stopping and winds down first; an upgrade finishes
	defer unlock()
	for _, a := range all {
		a.StopRestore()
	}
	select {
	case <-d.upgraded:
		return d.letGo(ctlSrv)
	default:
	}
	socket.Notify("STOPPING=1")
	defer ctlSrv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultShutdownTimeout)
	defer cancel()
	d.logger.Info("shutting down: finishing in-flight requests")
	d.proxyAccepts(false)
	d.stopTLS()
	d.stopMetrics()
	d.stopDashboard()
	err := d.proxy.Shutdown(ctx)
	var wg sync.WaitGroup
	errs := make([]error, len(all))
	for i, a := range all {
		wg.Go(func() { errs[i] = a.Stop() })
	}
	wg.Wait()
	err = errors.Join(append(errs, err)...)
	for _, l := range []*os.File{d.lifeline, d.oldLifeline} {
		if l != nil {
			l.Close() // the apps are stopped: the watcher has nothing left to do
		}
	}
	d.logger.Info("stopped")
	return err
}
