package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/cutover-dev/cutover/internal/control"
	serve "github.com/cutover-dev/cutover/internal/daemon" // "cutover serve", named apart from the bench's daemon type
	"github.com/cutover-dev/cutover/internal/dashboard"
	"github.com/cutover-dev/cutover/internal/metrics"
	"github.com/cutover-dev/cutover/internal/proxy"
)

// BenchApp is the name of the one app the bench's proxy serves, and of its release: the app page
// of an observed proxy server is /apps/bench, its status stream /apps/bench/events.
const BenchApp = "bench"

// observation is what an observed proxy server adds to the plain one, wired as "cutover serve
// --dashboard" wires it: the metrics registry counting every request of the app (as
// apps.App.observe does), and the dashboard, with its history sampled from that registry, served
// on a listener of its own.
type observation struct {
	app  *metrics.App
	srv  *http.Server
	stop context.CancelFunc
	done chan error
}

// startObservation makes the registry and serves the dashboard of p on ln until close.
func startObservation(p *proxy.Proxy, ln net.Listener, logger *slog.Logger) *observation {
	reg := metrics.New(metrics.Options{Source: func() metrics.Snapshot { return snapshotOf(p) }, Logger: logger})
	dash := dashboard.New(dashboard.Options{
		Source: benchSource{p: p}, Metrics: reg.Handler(), Gatherer: reg.Gatherer(), Logger: logger,
		Addr: ln.Addr().String(), WriteTimeout: serve.DefaultDashboardWriteTimeout,
	})
	ctx, cancel := context.WithCancel(context.Background())
	o := &observation{app: reg.App(BenchApp), stop: cancel, done: make(chan error, 1)}
	go dash.Run(ctx)
	o.srv = &http.Server{Handler: dash, ReadHeaderTimeout: serve.DefaultDashboardHeaderTimeout,
		IdleTimeout: serve.DefaultDashboardIdleTimeout}
	go func() { o.done <- o.srv.Serve(ln) }()
	return o
}

// close stops the dashboard: its streams end at once, as the daemon's do when it stops.
func (o *observation) close() error {
	o.stop()
	err := o.srv.Close()
	if serr := <-o.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("serve the dashboard: %w", serr))
	}
	return err
}

// snapshotOf is the bench's proxy as the daemon's metricsSnapshot reports a daemon: one app with
// one release of one web process. The app is listed even before its pool is switched in, as the
// daemon lists an app with no live release: an app missing from a snapshot is gone, and the
// registry would count its requests nowhere from then on.
func snapshotOf(p *proxy.Proxy) metrics.Snapshot {
	app := metrics.AppState{Name: BenchApp}
	if pool := p.Current(); pool != nil {
		app.Release, app.InFlight = pool.Release(), pool.InFlight()
		app.Processes = []metrics.Process{{Name: "web.1"}}
	}
	return metrics.Snapshot{Conns: p.Open(), HandshakeFailures: p.HandshakeFailures(), Apps: []metrics.AppState{app}}
}

// benchSource is the dashboard's view of the bench's proxy: one app, [BenchApp].
type benchSource struct{ p *proxy.Proxy }

// Apps implements [dashboard.Source].
func (s benchSource) Apps(context.Context) []control.AppInfo {
	return []control.AppInfo{{Name: BenchApp, Live: BenchApp}}
}

// App implements [dashboard.Source].
func (s benchSource) App(name string) (control.AppService, error) {
	if name != BenchApp {
		return nil, fmt.Errorf("%w: %q (the bench serves only %q)", control.ErrNoApp, name, BenchApp)
	}
	return benchAppService{p: s.p, started: started}, nil
}

// started is when this process began, the bench's web process's start in its status.
var started = time.Now()
