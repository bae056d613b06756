// Package daemon is `cutover serve`: it owns the live release, the proxy in front of it, the app's
// logs and the control socket, and runs deploys one at a time.
//
// On start it kills what a crashed predecessor left running, boots the release that last completed a
// switch, and only then starts accepting on the public address (the kernel queues connections until
// then). On stop it finishes in-flight requests and stops the app gracefully.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
	"github.com/cutover-dev/cutover/internal/socket"
)

// Defaults of the daemon.
const (
	DefaultListen          = ":8080"
	DefaultShutdownTimeout = 30 * time.Second       // to finish in-flight requests when the daemon stops
	DefaultProbeTimeout    = 500 * time.Millisecond // `cutover status` asking each web process's health path
	DefaultControlTimeout  = 10 * time.Second       // a CLI sending its request headers on the control socket
)

// Options configure a Daemon.
type Options struct {
	StateDir string
	Listen   string       // public address; "" means DefaultListen
	Listener net.Listener // already open public listener (tests, upgrades); overrides Listen
	Env      []string     // base environment of app processes; nil means os.Environ()
	Version  string
	Logger   *slog.Logger // nil means slog.Default()
}

// Daemon runs one app's releases.
type Daemon struct {
	opts     Options
	logger   *slog.Logger
	store    *release.Store
	proxy    *proxy.Proxy
	log      *applog.Log
	logFile  *os.File
	recorder *report.Recorder
	deployer *deploy.Deployer
	shared   *socket.Shared // the public socket, held for the daemon's whole life
	started  time.Time
	stopping chan struct{} // closed when Run begins to shut down: cancels a deploy under way

	deployMu sync.Mutex // held for the whole of a deploy: one at a time

	acceptMu sync.Mutex   // guards proxyLn
	proxyLn  net.Listener // the proxy's accept loop on the public socket; nil while the app accepts there

	mu        sync.Mutex // guards the fields below
	live      *deploy.Formation
	deploying string
	deployAt  time.Time
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
	store, err := release.Open(opts.StateDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(store.Dir(), "logs"), 0o755); err != nil {
		return nil, fmt.Errorf("create log dir: %w", err)
	}
	logFile, err := os.OpenFile(filepath.Join(store.Dir(), "logs", "app.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open app log: %w", err)
	}
	d := &Daemon{
		opts: opts, logger: logger, store: store, logFile: logFile,
		log:      applog.New(applog.DefaultCapacity, logFile),
		recorder: report.NewRecorder(report.DefaultRetention),
		stopping: make(chan struct{}),
	}
	d.proxy = proxy.New(proxy.Options{Logger: logger, Observe: d.observe})
	d.deployer = &deploy.Deployer{Store: store, Proxy: d.proxy, Log: d.log, Recorder: d.recorder, Env: opts.Env, Logger: logger}
	return d, nil
}

// observe feeds every proxied request into the deploy figures.
func (d *Daemon) observe(r proxy.Result) {
	d.recorder.Observe(time.Now(), r.Duration, r.Err != nil || r.Status >= 500)
}

// Run serves until ctx is done, then shuts down gracefully. ready, if not nil, is called with the
// public address once the daemon accepts traffic.
func (d *Daemon) Run(ctx context.Context, ready func(net.Addr)) error {
	defer d.logFile.Close()
	d.started = time.Now()
	ctl, err := control.Listen(d.store.Dir())
	if err != nil {
		return err
	}
	defer ctl.Close()
	if n, err := process.KillOrphans(d.store.Dir()); err != nil {
		d.logger.Warn("look for orphaned app processes", "err", err)
	} else if n > 0 {
		d.logger.Warn("killed app processes left by a previous daemon", "count", n)
	}
	d.markInterrupted()
	if d.shared, err = d.listen(); err != nil {
		return err
	}
	defer d.shared.Close()
	d.deployer.Socket, d.deployer.ProxyAccepts = d.shared, d.proxyAccepts
	ctlSrv := &http.Server{Handler: control.Handler(d, d.logger), ReadHeaderTimeout: DefaultControlTimeout}
	go ctlSrv.Serve(ctl)
	defer ctlSrv.Close()
	d.restore(ctx)
	d.mu.Lock()
	idle := d.live == nil
	d.mu.Unlock()
	if idle {
		// With nothing live the proxy answers 502, which says more than a connection left waiting.
		if err := d.proxyAccepts(true); err != nil {
			return err
		}
	}

	d.logger.Info("serving", "listen", d.shared.Addr().String(), "state", d.store.Dir())
	if err := socket.Notify("READY=1\nSTATUS=serving on " + d.shared.Addr().String()); err != nil {
		d.logger.Warn("tell systemd the daemon is ready", "err", err)
	}
	if ready != nil {
		ready(d.shared.Addr())
	}
	<-ctx.Done()
	socket.Notify("STOPPING=1")
	return d.shutdown()
}

// listen opens the public socket, or takes over the listener of Options.
func (d *Daemon) listen() (*socket.Shared, error) {
	if d.opts.Listener != nil {
		defer d.opts.Listener.Close()
		return socket.FromListener(d.opts.Listener)
	}
	return socket.Listen(d.opts.Listen)
}

// proxyAccepts starts or stops the proxy's accept loop on the public socket. Stopping it leaves the
// socket open for the app, and the proxy's open connections open.
func (d *Daemon) proxyAccepts(on bool) error {
	d.acceptMu.Lock()
	defer d.acceptMu.Unlock()
	switch {
	case on == (d.proxyLn != nil):
		return nil
	case !on:
		err := d.proxyLn.Close()
		d.proxyLn = nil
		return err
	}
	ln, err := d.shared.Listener()
	if err != nil {
		return err
	}
	d.proxyLn = ln
	go func() {
		if err := d.proxy.Serve(ln); !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			d.logger.Error("proxy stopped accepting", "err", err)
		}
	}()
	return nil
}

// restore boots the release that last completed a switch, if any. If it cannot boot, the daemon
// still starts, answering 502 until a deploy succeeds.
func (d *Daemon) restore(ctx context.Context) {
	rel, err := d.store.Live()
	if err != nil || rel == nil {
		if err != nil {
			d.logger.Error("read the live release", "err", err)
		}
		return
	}
	d.logger.Info("booting the live release", "release", rel.ID)
	f, err := d.deployer.Restore(ctx, rel, func(e deploy.Event) {
		d.logger.Info("restore", "release", e.Release, "step", e.Step, "kind", e.Kind, "message", e.Message)
	})
	if err != nil {
		d.logger.Error("could not boot the live release: deploy again", "release", rel.ID, "err", err)
		return
	}
	d.mu.Lock()
	d.live = f
	d.mu.Unlock()
}

// markInterrupted records deploys that a crash cut short.
func (d *Daemon) markInterrupted() {
	rels, err := d.store.List()
	if err != nil {
		d.logger.Error("list releases", "err", err)
		return
	}
	for _, r := range rels {
		if r.Status == release.Deploying {
			r.Status = release.Interrupted
			r.Error = "the daemon stopped while this deploy ran"
			if err := d.store.Save(r); err != nil {
				d.logger.Error("save release", "release", r.ID, "err", err)
			}
		}
	}
}

// shutdown finishes in-flight requests, then stops the app.
func (d *Daemon) shutdown() error {
	close(d.stopping)
	d.deployMu.Lock() // a deploy under way sees stopping and winds down first
	defer d.deployMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultShutdownTimeout)
	defer cancel()
	d.logger.Info("shutting down: finishing in-flight requests")
	d.proxyAccepts(false)
	err := d.proxy.Shutdown(ctx)
	d.mu.Lock()
	live := d.live
	d.mu.Unlock()
	if live != nil {
		if serr := live.Stop(); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	d.logger.Info("stopped")
	return err
}
