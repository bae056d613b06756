package daemon

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/cutover-dev/cutover/internal/metrics"
	"github.com/cutover-dev/cutover/internal/socket"
)

// DefaultMetricsHeaderTimeout bounds a scraper sending its request headers on the metrics address.
const DefaultMetricsHeaderTimeout = 10 * time.Second

// wantsMetrics reports whether the options ask for the metrics to be served.
func (o Options) wantsMetrics() bool { return o.Metrics != "" || o.MetricsListener != nil }

// newMetrics makes the metrics registry when the daemon serves metrics; it counts nothing until
// the apps are opened with it.
func (d *Daemon) newMetrics() {
	if d.opts.wantsMetrics() || d.opts.wantsDashboard() {
		d.metrics = metrics.New(metrics.Options{Source: d.metricsSnapshot, Logger: d.logger})
	}
}

// openMetrics opens the metrics socket if the daemon serves metrics: the one the daemon before it
// handed over (its address wins over Options.Metrics, as the HTTPS socket's does), the listener of
// Options, or a new one.
func (d *Daemon) openMetrics(pred *socket.Predecessor) (err error) {
	if pred != nil {
		if f := pred.File("metrics"); f != nil {
			if !d.opts.wantsMetrics() { // this daemon was started without --metrics
				return f.Close()
			}
			d.metricsSock, err = socket.FromFile(f)
			return err
		}
	}
	switch {
	case d.opts.MetricsListener != nil:
		defer d.opts.MetricsListener.Close()
		d.metricsSock, err = socket.FromListener(d.opts.MetricsListener)
	case d.opts.Metrics != "":
		d.metricsSock, err = socket.Listen(d.opts.Metrics)
	}
	if err != nil {
		return fmt.Errorf("--metrics %s: %w (another server holds it: stop it or pick another address)", d.opts.Metrics, err)
	}
	return nil
}

// startMetrics serves the metrics at metrics.DefaultPath on the metrics socket, when the daemon
// does; the apps are open.
func (d *Daemon) startMetrics() error {
	if d.metricsSock == nil {
		return nil
	}
	ln, err := d.metricsSock.Listener()
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(metrics.DefaultPath, d.metrics.Handler())
	d.metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: DefaultMetricsHeaderTimeout}
	go func() {
		if err := d.metricsSrv.Serve(ln); !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			d.logger.Error("stopped serving metrics", "err", err)
		}
	}()
	d.logger.Info("serving metrics", "listen", d.metricsSock.Addr().String(), "path", metrics.DefaultPath)
	return nil
}

// stopMetrics stops serving metrics; the socket stays open, for the new daemon at an upgrade.
func (d *Daemon) stopMetrics() {
	if d.metricsSrv != nil {
		d.metricsSrv.Close()
	}
}

// metricsSnapshot is the daemon as it is now, for a scrape: its apps, its client connections and
// its hosts' certificates.
func (d *Daemon) metricsSnapshot() metrics.Snapshot {
	snap := metrics.Snapshot{Conns: d.proxy.Open(), HandshakeFailures: d.proxy.HandshakeFailures()}
	if d.apps != nil {
		snap.Apps = d.apps.MetricsState()
	}
	if d.certs != nil {
		for _, st := range d.certs.States() {
			snap.Certs = append(snap.Certs, metrics.Cert{Host: st.Host, NotAfter: st.NotAfter})
		}
	}
	return snap
}
