package cli

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
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
			req := control.UpgradeRequest{Binary: binary, Timeout: config.Duration(timeout)}
			if binary != "" {
				abs, err := filepath.Abs(binary)
				if err != nil {
					return err
				}
				req.Binary = abs
			}
			res, err := g.client().Upgrade(cmd.Context(), req)
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
