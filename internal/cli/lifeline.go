package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/apps"
	"github.com/cutover-dev/cutover/internal/process"
)

// newLifelineCmd is the watcher the daemon starts beside itself (see process.StartLifeline): once
// no daemon holds the lifeline on fd 3 any more, it kills the app processes left behind. Hidden
// from help.
func newLifelineCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:    "lifeline",
		Short:  "Kill the app's processes once every daemon holding the lifeline on fd 3 is gone",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Signals do not end it: it outlives the daemon on purpose, and ends with the lifeline.
			n, err := process.WatchLifeline(os.NewFile(3, "lifeline"), func() []string { return apps.Markers(g.state) })
			if n > 0 {
				fmt.Fprintf(g.stderr, "cutover lifeline: the daemon of %s is gone: killed the %d app process(es) it left\n", g.state, n)
			}
			return err
		},
	}
}
