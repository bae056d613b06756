package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/daemon"
	"github.com/cutover-dev/cutover/internal/socket"
)

func newUpgradeCmd(g *globals) *cobra.Command {
	var binary string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "upgrade",
		Short: "Replace the running daemon by a new version of cutover without dropping a connection",
		Long: `upgrade starts the cutover binary again, the one at the daemon's path where a new version was
installed (or --binary), and hands it the public and control sockets and the app's processes. Once
the new daemon is ready it takes over: the app is not restarted, and the old daemon finishes its
in-flight requests, closes each client connection between requests, and exits. If the new daemon
cannot start, or is not ready within --timeout, the old one serves on and upgrade says why.
SIGHUP or SIGUSR2 to the daemon (systemctl reload) upgrades it the same way.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req := daemon.UpgradeRequest{Binary: binary, Timeout: config.Duration(timeout)}
			if binary != "" {
				abs, err := filepath.Abs(binary)
				if err != nil {
					return err
				}
				req.Binary = abs
			}
			// Asking for the status first gives the same answer as every command when no daemon runs.
			if _, err := g.client().Status(cmd.Context()); err != nil {
				return err
			}
			res, err := askUpgrade(cmd.Context(), g.state, req)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "upgraded: the daemon (pid %d) handed over to a new one (pid %d); the app runs on\n", res.OldPid, res.Pid)
			return nil
		},
	}
	cmd.Flags().StringVar(&binary, "binary", "", "the new cutover binary (default: the one at the daemon's path)")
	cmd.Flags().DurationVar(&timeout, "timeout", socket.DefaultUpgradeTimeout, "how long the new daemon has to be ready")
	return cmd
}

// askUpgrade asks the daemon of stateDir for an upgrade on its control socket.
func askUpgrade(ctx context.Context, stateDir string, req daemon.UpgradeRequest) (daemon.UpgradeResult, error) {
	var res daemon.UpgradeResult
	sock, err := filepath.Abs(filepath.Join(stateDir, control.SocketName))
	if err != nil {
		return res, err
	}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	body, err := json.Marshal(req)
	if err != nil {
		return res, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://cutover"+daemon.UpgradePath, bytes.NewReader(body))
	if err != nil {
		return res, err
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return res, fmt.Errorf("ask the daemon to upgrade: %w", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return res, fmt.Errorf("the daemon's answer to the upgrade (%s): %w", resp.Status, err)
	}
	if res.Error != "" {
		return res, errors.New(res.Error)
	}
	return res, nil
}
