package cli

import (
	"net"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/daemon"
)

func newServeCmd(g *globals) *cobra.Command {
	var listen string
	var cgroups bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the daemon: serve the live release behind the proxy and accept deploys",
		Long: `serve runs the daemon for one app. It boots the release that was live when it last stopped,
proxies --listen to it, and takes deploys from the CLI over a unix socket in the state directory.
Stop it with SIGTERM or Ctrl-C: in-flight requests finish, then the app is stopped gracefully.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := daemon.New(daemon.Options{StateDir: g.state, Listen: listen, Version: Version, NoCgroups: !cgroups})
			if err != nil {
				return err
			}
			return d.Run(cmd.Context(), func(addr net.Addr) {})
		},
	}
	cmd.Flags().StringVar(&listen, "listen", daemon.DefaultListen, "public address to proxy")
	cmd.Flags().BoolVar(&cgroups, "cgroups", true, "put each app process in a cgroup of its own where cgroup v2 is writable (false: process groups only)")
	return cmd
}
