package cli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/sampleapp"
)

// newSampleAppCmd is the built-in app that the demo and the tests deploy; hidden from help.
func newSampleAppCmd() *cobra.Command {
	return &cobra.Command{
		Use:                "sample-app",
		Short:              "A small web app to deploy (used by the demo and the tests)",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := sampleapp.Main(args); code != 0 {
				os.Exit(code)
			}
			return nil
		},
	}
}
