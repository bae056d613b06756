package daemon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cutover-dev/cutover/internal/apps"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/socket"

	"golang.org/x/sys/unix"
)

// upgradeState is what a daemon hands its successor beside the files.
type upgradeState struct {
	Version string `json:"version"`
	// Apps are the live formations of each app, by name (layout 2); their files are named
	// "<app>/<process>.stdout" and so on.
	Apps map[string]*deploy.Handover `json:"apps,omitempty"`
	// Live is the one app's live formation, from a daemon before apps; its files are named
	// "<process>.stdout" and so on.
	Live *deploy.Handover `json:"live,omitempty"`
	// Listeners are the apps' own sockets (socket mode with `listen`): address → app; each is
	// the file named "listen:<address>".
	Listeners map[string]string `json:"listeners,omitempty"`
	// Handover is the secret the old daemon's requests to the new one carry once it handed over
	// (see proxy.NewHandoverPool): made for this upgrade.
	Handover string `json:"handover,omitempty"`
}

// Upgrade starts the cutover binary as a new daemon (req.Binary, or this daemon's own path) and
// hands it the public and control sockets, the lifeline and the live release's processes with their
// output. Once the new daemon says it is ready, this one lets go: it stops accepting, stops
// supervising the app, and tells the new daemon to take over; Run then finishes what is in flight
// and returns, leaving the app running. If the new daemon fails to start, says it cannot take over,
// or is not ready in time, it is stopped and this daemon serves on; the error says why. Upgrade
// returns the new daemon's pid. Deploys wait for it, and it for them; once it succeeded, this
// daemon refuses them.
func (d *Daemon) Upgrade(ctx context.Context, req control.UpgradeRequest) (int, error) {
	all, unlock, err := d.apps.TryLockDeploys("upgrade")
	if err != nil {
		return 0, err
	}
	select {
	case <-d.upgraded:
		unlock()
		return 0, apps.ErrUpgraded
	default:
	}
	socket.Notify(fmt.Sprintf("RELOADING=1\nMONOTONIC_USEC=%d\nSTATUS=upgrading", monotonicUsec()))
	var restoring []*apps.App
	for _, a := range all {
		if a.RestoreUnderWay() {
			restoring = append(restoring, a)
		}
		a.StopRestore() // the new daemon boots the live release itself
	}
	pid, err := d.handOver(ctx, req, all)
	if err != nil {
		for _, a := range restoring {
			go a.Restore()
		}
		unlock()
		socket.Notify("READY=1\nSTATUS=upgrade failed, serving on: " + err.Error())
		d.logger.Error("upgrade failed: this daemon serves on", "err", err)
		return 0, fmt.Errorf("upgrade failed, the daemon (pid %d) serves on: %w", os.Getpid(), err)
	}
	close(d.upgraded) // before the unlock: a deploy waiting for it is refused
	unlock()
	d.logger.Info("handed over", "to", pid)
	return pid, nil
}

// handOver starts the new daemon and, once it is ready, lets go and tells it to take over.
func (d *Daemon) handOver(ctx context.Context, req control.UpgradeRequest, all []*apps.App) (int, error) {
	exe, timeout := req.Binary, time.Duration(req.Timeout)
	if exe == "" {
		exe = d.opts.Executable
	}
	if timeout <= 0 {
		timeout = socket.DefaultUpgradeTimeout
	}
	files, st, err := d.handover(all)
	if err != nil {
		return 0, err
	}
	succ, err := socket.StartSuccessor(exe, append([]string{"cutover"}, d.opts.Args...), files, st)
	closeDups(files)
	if err != nil {
		return 0, err
	}
	d.logger.Info("upgrading: started the new daemon", "binary", exe, "pid", succ.Pid())
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := succ.Ready(rctx); err != nil {
		succ.Abort(err.Error())
		return 0, err
	}
	// From here this daemon accepts nothing and watches no app process: the new one does. A
	// connection its accept loops still take as they stop ends after its first response.
	d.proxy.RetireAll()
	d.proxyAccepts(false)
	d.stopTLS()
	if ul, ok := d.ctl.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(false) // the socket file is the new daemon's now
	}
	d.ctl.Close()
	for _, a := range all {
		a.Disown()
	}
	// Requests still coming on this daemon's connections, until each closes, go to the new daemon,
	// which routes them as it deploys: the apps this daemon knew may be gone by then. They carry
	// the upgrade's secret, so that it believes which came over TLS, and from which client.
	d.proxy.Switch(proxy.NewHandoverPool(d.shared.DialAddr(), st.Handover))
	// Requests the apps' pauses hold here go there too, in time to be held by the new daemon,
	// which paused the same apps from their settings.
	d.proxy.DetourHeld()
	d.proxy.SetRoutes(nil)
	socket.Notify(fmt.Sprintf("MAINPID=%d", succ.Pid()))
	if err := succ.Go(); err != nil {
		// It takes over all the same once this daemon has exited.
		d.logger.Error("tell the new daemon to take over", "err", err)
	}
	return succ.Pid(), nil
}

// handover returns the files and state the new daemon gets. The control socket is a duplicate,
// to close once the new daemon has it.
func (d *Daemon) handover(all []*apps.App) ([]socket.NamedFile, upgradeState, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, upgradeState{}, fmt.Errorf("make the upgrade's secret: %w", err)
	}
	st := upgradeState{Version: d.opts.Version, Handover: hex.EncodeToString(secret)}
	ctl, ok := d.ctl.(*net.UnixListener)
	if !ok {
		return nil, st, fmt.Errorf("the control socket is a %T, not a unix socket", d.ctl)
	}
	ctlFile, err := socket.Dup(ctl, "control")
	if err != nil {
		return nil, st, fmt.Errorf("hand over the control socket: %w", err)
	}
	files := []socket.NamedFile{{Name: "public", File: d.shared.File()}, {Name: "control", File: ctlFile}}
	if d.https != nil {
		files = append(files, socket.NamedFile{Name: "https", File: d.https.File()})
	}
	if tickets, err := d.ticketKeysFile(); err != nil {
		d.logger.Warn("TLS clients make a full handshake once with the new daemon", "err", err)
	} else if tickets != nil {
		files = append(files, *tickets)
	}
	if d.metricsSock != nil {
		files = append(files, socket.NamedFile{Name: "metrics", File: d.metricsSock.File()})
	}
	if d.dashSock != nil {
		files = append(files, socket.NamedFile{Name: "dashboard", File: d.dashSock.File()})
	}
	own, owners := d.listeners.handover()
	files, st.Listeners = append(files, own...), owners
	if d.lifeline != nil {
		files = append(files, socket.NamedFile{Name: "lifeline", File: d.lifeline})
	}
	if d.oldLifeline != nil {
		files = append(files, socket.NamedFile{Name: "lifeline-before-apps", File: d.oldLifeline})
	}
	for _, a := range all {
		if h, pipes := a.Handover(); h != nil {
			if st.Apps == nil {
				st.Apps = map[string]*deploy.Handover{}
			}
			st.Apps[a.Name] = h
			files = append(files, pipes...)
		}
	}
	return files, st, nil
}

// closeDups closes the duplicates and the file in memory handover made for the new daemon.
func closeDups(files []socket.NamedFile) {
	for _, f := range files {
		if f.Name == "control" || f.Name == ticketsFile {
			f.File.Close()
		}
	}
}

// upgradeOnSignals upgrades the daemon on SIGHUP (what systemd's ExecReload sends) and SIGUSR2,
// until stop is called.
func (d *Daemon) upgradeOnSignals(ctx context.Context) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGUSR2)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				d.logger.Info("upgrading", "signal", s.String())
				d.Upgrade(ctx, control.UpgradeRequest{}) // it logs how it went
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// monotonicUsec is CLOCK_MONOTONIC in microseconds, as systemd wants it with RELOADING=1.
func monotonicUsec() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return ts.Nano() / 1000
}

// inherit takes the sockets and the lifeline a daemon hands over at an upgrade.
func (d *Daemon) inherit(pred *socket.Predecessor) error {
	pub, ctl := pred.File("public"), pred.File("control")
	if pub == nil || ctl == nil {
		return errors.New("the old daemon handed over no public or no control socket")
	}
	var err error
	if d.shared, err = socket.FromFile(pub); err != nil {
		return err
	}
	d.ctl, err = net.FileListener(ctl)
	ctl.Close()
	if err != nil {
		d.shared.Close()
		return fmt.Errorf("control socket from the old daemon: %w", err)
	}
	d.lifeline, d.oldLifeline = pred.File("lifeline"), pred.File("lifeline-before-apps")
	return nil
}

// takeOver tells the daemon that started this one at an upgrade that it is ready, and once it has
// let go, opens the apps (migrating a state directory from before apps, now that this daemon is its
// only writer) and adopts the processes it handed over. Until then the old daemon supervises them
// and reads their output: only one daemon does at a time.
func (d *Daemon) takeOver(ctx context.Context, pred *socket.Predecessor) error {
	var st upgradeState
	if err := pred.State(&st); err != nil {
		pred.Fail(err)
		return err
	}
	if err := d.checkHandover(st); err != nil {
		pred.Fail(err)
		return err
	}
	if st.Handover != "" {
		d.proxy.AcceptHandover(st.Handover, DefaultHandoverWindow)
	}
	// What could fail once the old daemon has let go is tried first, so that it serves on instead.
	if err := apps.CheckMigrate(d.stateDir); err != nil {
		err = fmt.Errorf("the state directory cannot move to the apps layout: %w", err)
		pred.Fail(err)
		return err
	}
	if err := d.newCerts(pred); err != nil {
		pred.Fail(err)
		return err
	}
	if err := d.listeners.inherit(pred, st.Listeners); err != nil {
		pred.Fail(err)
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, socket.DefaultUpgradeTimeout)
	defer cancel()
	if err := pred.Ready(rctx); err != nil {
		return err
	}
	d.logger.Info("taking over", "from", pred.Pid(), "version", d.opts.Version)
	migrated, err := d.openApps()
	if err != nil {
		// The old daemon has let go: rather than leave the apps unwatched, stop them.
		apps.KillOrphans(d.stateDir)
		return err
	}
	handed := st.Apps
	if st.Live != nil && d.oldLifeline == nil {
		// The daemon before apps handed over its watcher, which knows only the processes it
		// marked: a watcher of this binary watches every app's too, and the old one is kept.
		d.oldLifeline, d.lifeline = d.lifeline, d.startLifeline()
	}
	if st.Live != nil {
		handed = map[string]*deploy.Handover{migrated: st.Live}
		if migrated == "" { // migrated by an earlier start that was then stopped: the only app
			if all := d.apps.All(); len(all) == 1 {
				handed = map[string]*deploy.Handover{all[0].Name: st.Live}
			}
		}
	}
	var restore []*apps.App
	for _, a := range d.apps.All() {
		h := handed[a.Name]
		if h == nil {
			restore = append(restore, a) // the old daemon may have been retrying it: the attempts go on here
			continue
		}
		a.Adopt(*h, apps.AdoptFile(pred.File, a.Name, st.Live != nil), st.Live != nil)
	}
	// The old daemon accepts no more: the apps it did not hand over (it was still booting them)
	// boot in the background, answering 503 "starting" meanwhile, so the others serve at once.
	go d.restoreAll(restore)
	return nil
}

// checkHandover refuses, before the old daemon lets go, a handover whose live releases this daemon
// cannot find: the old one then serves on.
func (d *Daemon) checkHandover(st upgradeState) error {
	check := func(dir string, h *deploy.Handover) error {
		if _, err := os.Stat(filepath.Join(dir, "releases", h.Release, "release.json")); err != nil {
			return fmt.Errorf("the live release %s: %w", h.Release, err)
		}
		return nil
	}
	if st.Live != nil {
		if err := check(d.stateDir, st.Live); err != nil { // before apps, or through the link the migration left
			return err
		}
	}
	for name, h := range st.Apps {
		if err := check(apps.Dir(d.stateDir, name), h); err != nil {
			return fmt.Errorf("app %s: %w", name, err)
		}
	}
	return nil
}

// letGo is the end of a daemon that a new one took over from: it finishes what its proxy has in
// flight, closing each client connection between requests, and returns without stopping the app,
// which runs on under the new daemon.
func (d *Daemon) letGo(ctlSrv *http.Server) error {
	d.logger.Info("handed over: finishing in-flight requests", "connections", d.proxy.Open())
	d.proxy.RetireAll()
	d.stopMetrics() // the new daemon serves them
	d.stopDashboard()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultRetireTimeout)
	defer cancel()
	err := d.proxy.Wait(ctx)
	if err != nil {
		d.logger.Warn("closing the client connections left", "err", err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), DefaultShutdownTimeout)
	defer scancel()
	err = errors.Join(err, d.proxy.Shutdown(sctx))
	cctx, ccancel := context.WithTimeout(context.Background(), DefaultControlTimeout)
	defer ccancel()
	if ctlSrv.Shutdown(cctx) != nil {
		ctlSrv.Close() // a `cutover logs --follow` that would never end
	}
	for _, l := range []*os.File{d.lifeline, d.oldLifeline} {
		if l != nil {
			l.Close() // the new daemon holds it open
		}
	}
	d.logger.Info("exited after the upgrade; the app runs on under the new daemon")
	return err
}
