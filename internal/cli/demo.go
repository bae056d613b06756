package cli

import (
	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/demo"
	"github.com/cutover-dev/cutover/internal/deploy"
)

func newDemoCmd(g *globals) *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Watch zero-downtime deploys on this machine, with no setup (under a minute)",
		Long: `demo starts a daemon in a temporary directory and deploys a built-in sample app under load:
v1, then v2, then a v3 that never gets healthy (aborted: v2 keeps serving), then a rollback to v1.
For each deploy it prints requests sent, failed, and p50/p99 latency. Traffic stays on 127.0.0.1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			exe, err := selfExe()
			if err != nil {
				return err
			}
			opts := demo.Options{Exe: exe, Out: g.stdout}
			if !quiet {
				opts.OnEvent = func(e deploy.Event) { printEvent(g.stdout, e) }
			}
			_, err = demo.Run(cmd.Context(), opts)
			return err
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "show only each deploy's outcome and figures")
	return cmd
}
