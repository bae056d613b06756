package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
)

// DefaultDeployTimeout bounds each deploy the deploy bench asks for.
const DefaultDeployTimeout = 2 * time.Minute

// daemon is a real "cutover serve" process in a temporary state directory, on a loopback port.
type daemon struct {
	proc   *child
	addr   string
	client *control.Client
}

// startDaemon runs "cutover serve" with its state in dir/state and waits until both its control
// socket and its proxy answer.
func startDaemon(ctx context.Context, exe, dir string) (*daemon, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	state := filepath.Join(dir, "state")
	proc, err := startChild("daemon", dir, []string{exe, "serve", "--state", state, "--listen", addr, "--log-level", "warn"}, nil)
	if err != nil {
		return nil, err
	}
	d := &daemon{proc: proc, addr: addr, client: control.NewClient(state)}
	if err := d.waitReady(ctx); err != nil {
		proc.stop(DefaultStopTimeout)
		return nil, err
	}
	return d, nil
}

// startServing starts a daemon as startDaemon does, and deploys the app in appDir on it.
func startServing(ctx context.Context, exe, dir, appDir string) (*daemon, error) {
	d, err := startDaemon(ctx, exe, dir)
	if err != nil {
		return nil, err
	}
	if _, _, err := d.deploy(ctx, appDir); err != nil {
		d.proc.stop(DefaultStopTimeout)
		return nil, fmt.Errorf("%w; the daemon's output:\n%s", err, d.proc.logTail())
	}
	return d, nil
}

// waitReady polls the daemon's status until it answers and its proxy accepts connections.
func (d *daemon) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultStartTimeout)
	defer cancel()
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		_, err := d.client.Status(ctx)
		if err == nil && dialable(d.addr) {
			return nil
		}
		select {
		case <-d.proc.done:
			return fmt.Errorf("cutover serve exited (%v) before it was ready; its output:\n%s", d.proc.err, d.proc.logTail())
		case <-ctx.Done():
			return fmt.Errorf("cutover serve was not ready within %v (%v); its output:\n%s", DefaultStartTimeout, err, d.proc.logTail())
		case <-t.C:
		}
	}
}

// deploy deploys the app in appDir and returns the release and the deploy's events.
func (d *daemon) deploy(ctx context.Context, appDir string) (*release.Release, []deploy.Event, error) {
	ctx, cancel := context.WithTimeout(ctx, DefaultDeployTimeout)
	defer cancel()
	var events []deploy.Event
	// No bake: the deploy is measured up to the old release's stop, as the peers' deploys are.
	rel, err := d.client.Deploy(ctx, deploy.Request{Source: appDir, Overrides: config.Config{Bake: "off"}}, func(e deploy.Event) {
		events = append(events, e)
	})
	if err != nil {
		return rel, events, fmt.Errorf("deploy %s: %w", filepath.Base(appDir), err)
	}
	return rel, events, nil
}

// writeSampleApps writes one app directory per version under dir, each running the sample app
// (the cutover binary exe) at that version, and returns their paths.
func writeSampleApps(dir, exe string, versions ...string) ([]string, error) {
	var dirs []string
	for _, v := range versions {
		app := filepath.Join(dir, "app-"+v)
		if err := os.MkdirAll(app, 0o755); err != nil {
			return nil, err
		}
		procfile := fmt.Sprintf("web: %s sample-app --version %s\n", shellQuote(exe), v)
		if err := os.WriteFile(filepath.Join(app, "Procfile"), []byte(procfile), 0o644); err != nil {
			return nil, err
		}
		dirs = append(dirs, app)
	}
	return dirs, nil
}

// shellQuote quotes s for bash, which runs Procfile lines.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
