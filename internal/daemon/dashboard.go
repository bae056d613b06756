package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/cutover-dev/cutover/internal/dashboard"
)

// DashboardTokenFile is the file in the state directory holding the dashboard's token (mode 0600),
// asked for when the dashboard listens beyond loopback.
const DashboardTokenFile = "dashboard-token"

// wantsDashboard reports whether the options ask for the dashboard.
func (o Options) wantsDashboard() bool { return o.Dashboard != "" || o.DashboardListener != nil }

// startDashboard serves the web dashboard, and the metrics beside it, when the daemon does. Bound
// beyond loopback it asks for the token of DashboardTokenFile, made at the first start.
func (d *Daemon) startDashboard() error {
	if !d.opts.wantsDashboard() {
		return nil
	}
	ln := d.opts.DashboardListener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", d.opts.Dashboard); err != nil {
			return fmt.Errorf("--dashboard %s: %w (another server holds it: stop it or pick another address)", d.opts.Dashboard, err)
		}
	}
	opts := dashboard.Options{Source: d, Metrics: d.metrics.Handler(), Gatherer: d.metrics.Gatherer(), Logger: d.logger}
	url := "http://" + ln.Addr().String() + "/"
	if !loopback(ln.Addr()) {
		token, err := d.dashboardToken()
		if err != nil {
			ln.Close()
			return err
		}
		opts.Token = token
		url += "?token=" + token
	}
	srv := dashboard.New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	d.dashStop = cancel
	go srv.Run(ctx)
	d.dashSrv = &http.Server{Handler: srv, ReadHeaderTimeout: DefaultMetricsHeaderTimeout}
	go func() {
		if err := d.dashSrv.Serve(ln); !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			d.logger.Error("stopped serving the dashboard", "err", err)
		}
	}()
	d.logger.Info("serving the dashboard", "url", url)
	return nil
}

// stopDashboard stops serving the dashboard.
func (d *Daemon) stopDashboard() {
	if d.dashSrv != nil {
		d.dashStop()
		d.dashSrv.Close()
	}
}

// dashboardToken reads the dashboard's token, making it (mode 0600) when there is none yet.
func (d *Daemon) dashboardToken() (string, error) {
	path := filepath.Join(d.stateDir, DashboardTokenFile)
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	token := dashboard.RandomToken()
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write the dashboard token: %w (check that the state directory is writable)", err)
	}
	return token, nil
}

// loopback reports whether addr is a loopback address, which only this machine reaches.
func loopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
