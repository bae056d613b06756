package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newPromoteCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "promote",
		Short: "End the bake of the release just deployed: it passed, stop the old release now",
		Long: `After the switch, a deploy keeps the old release booted for its bake (bake = "60s" in cutover.toml,
--bake, --no-bake) and sends traffic back to it at once if the new release fails more, is slower or
crashes. promote ends the bake early as passed: the old release is drained and stopped, and the
post-deploy migrations run. ` + "`cutover rollback`" + ` during a bake goes back to the old release at once.

During a canary (--canary 10%, see docs/canary.md) promote ends it early: every client goes to the
new release, then the old one is drained and stopped. ` + "`cutover rollback`" + ` during a canary sends every
client back to the old release and stops the new one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := g.client().Promote(cmd.Context())
			if err != nil {
				return err
			}
			if res.Error != "" {
				fmt.Fprintf(g.stderr, "%s was promoted, but its deploy then failed: %s\n", res.Release, indent(res.Error, "    "))
				return errSilent
			}
			fmt.Fprintf(g.stdout, "%s promoted: the old release is stopped and %s serves\n", res.Release, res.Release)
			return nil
		},
	}
}
