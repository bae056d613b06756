package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/applog"
)

// DefaultLogLines is how many lines `cutover logs` shows before following.
const DefaultLogLines = 100

func newLogsCmd(g *globals) *cobra.Command {
	var (
		follow, asJSON bool
		proc           string
		n              int
	)
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Show the app's output, each line prefixed by release and process",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			enc := json.NewEncoder(g.stdout)
			return g.client().Logs(cmd.Context(), n, proc, follow, func(l applog.Line) {
				if asJSON {
					enc.Encode(l)
					return
				}
				fmt.Fprintln(g.stdout, l.String())
			})
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines")
	cmd.Flags().StringVarP(&proc, "process", "p", "", "only this process type or process (web, web.1, release)")
	cmd.Flags().IntVarP(&n, "lines", "n", DefaultLogLines, "how many past lines to show")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print each line as JSON")
	return cmd
}
