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
	"time"

	"github.com/cutover-dev/cutover/internal/dashboard"
	"github.com/cutover-dev/cutover/internal/socket"
)

// DashboardTokenFile is the file in the state directory holding the dashboard's token (mode 0600),
// asked for when the dashboard listens beyond loopback.
const DashboardTokenFile = "dashboard-token"

// DefaultDashboardHeaderTimeout bounds a browser sending its request headers to the dashboard.
const DefaultDashboardHeaderTimeout = 10 * time.Second

// DefaultDashboardIdleTimeout is how long the dashboard keeps an idle keep-alive connection open.
const DefaultDashboardIdleTimeout = 2 * time.Minute

// DefaultDashboardWriteTimeout bounds sending one event of the dashboard's live streams: a tab
// that stops reading ends its stream.
const DefaultDashboardWriteTimeout = 10 * time.Second

// wantsDashboard reports whether the options ask for the dashboard.
func (o Options) wantsDashboard() bool { return o.Dashboard != "" || o.DashboardListener != nil }

// openDashboard opens the dashboard socket if the daemon serves the dashboard: the one the daemon
// before it handed over (its address wins over Options.Dashboard, as the metrics socket's does),
// the listener of Options, or a new one.
func (d *Daemon) openDashboard(pred *socket.Predecessor) (err error) {
	if pred != nil {
		if f := pred.File("dashboard"); f != nil {
			if !d.opts.wantsDashboard() { // this daemon was started without --dashboard
				return f.Close()
			}
			d.dashSock, err = socket.FromFile(f)
			return err
		}
	}
	switch {
	case d.opts.DashboardListener != nil:
		defer d.opts.DashboardListener.Close()
		d.dashSock, err = socket.FromListener(d.opts.DashboardListener)
	case d.opts.Dashboard != "":
		d.dashSock, err = socket.Listen(d.opts.Dashboard)
	}
	if err != nil && pred != nil {
		// A daemon from before the dashboard was handed over still holds the address: the apps
		// are taken over all the same, and the dashboard is served from the next start on.
		d.logger.Error("cannot serve the dashboard after the upgrade: restart the daemon to serve it", "dashboard", d.opts.Dashboard, "err", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("--dashboard %s: %w (another server holds it: stop it or pick another address)", d.opts.Dashboard, err)
	}
	return nil
}

// startDashboard serves the web dashboard, and the metrics beside it, on the dashboard socket
// when the daemon does. Bound beyond loopback it asks for the token of DashboardTokenFile, made at
// the first start.
func (d *Daemon) startDashboard() error {
	if d.dashSock == nil {
		return nil
	}
	addr := d.dashSock.Addr()
	opts := dashboard.Options{Source: d, Metrics: d.metrics.Handler(), Gatherer: d.metrics.Gatherer(), Logger: d.logger,
		Addr: addr.String(), WriteTimeout: DefaultDashboardWriteTimeout}
	if !loopback(addr) {
		token, err := d.dashboardToken()
		if err != nil {
			return err
		}
		opts.Token = token
	}
	ln, err := d.dashSock.Listener()
	if err != nil {
		return fmt.Errorf("serve the dashboard: %w", err)
	}
	srv := dashboard.New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	d.dashStop = cancel
	go srv.Run(ctx)
	d.dashSrv = &http.Server{Handler: srv, ReadHeaderTimeout: DefaultDashboardHeaderTimeout, IdleTimeout: DefaultDashboardIdleTimeout}
	go func() {
		if err := d.dashSrv.Serve(ln); !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			d.logger.Error("stopped serving the dashboard", "err", err)
		}
	}()
	if opts.Token != "" {
		// The token itself stays out of the log: logs travel further than the state directory.
		d.logger.Info("serving the dashboard", "url", "http://"+addr.String()+"/", "token_file", filepath.Join(d.stateDir, DashboardTokenFile))
	} else {
		d.logger.Info("serving the dashboard", "url", "http://"+addr.String()+"/")
	}
	return nil
}

// stopDashboard stops serving the dashboard; the socket stays open, for the new daemon at an
// upgrade.
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
