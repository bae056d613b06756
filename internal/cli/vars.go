package cli

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/vars"
)

func newConfigCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "config",
		Short: "List the app's config vars (names; values masked); set, unset or get them",
		Long: `config lists the app's config vars: environment variables its processes get, kept in the daemon's
state directory (mode 0600), never in a release's copy of the app, nor in logs, ` + "`cutover releases`" + `,
status or a deploy's output, which name them without their values.

A change (` + "`config set`, `config unset`" + `) is stored as a new version of the vars, and deployed at once:
a new release of the live release's code boots with them beside it, and takes over as a deploy does.
--no-restart stores it for the next deploy; with no release live yet, the first deploy boots with it.
Each release records the version it booted with, and ` + "`cutover rollback`" + ` restores that version.

Precedence: config vars over cutover.toml's [env] over the daemon's environment.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info, err := g.client().Vars(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, info)
			}
			return showVars(g, info)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (names only)")
	cmd.AddCommand(newConfigSetCmd(g), newConfigUnsetCmd(g), newConfigGetCmd(g))
	return cmd
}

// showVars lists the names of the config vars, their values masked.
func showVars(g *globals, info control.VarsInfo) error {
	if len(info.Names) == 0 {
		fmt.Fprintln(g.stdout, "no config vars: set one with `cutover config set KEY=VALUE`")
	} else {
		fmt.Fprintf(g.stdout, "config vars version %d:\n", info.Version)
		tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
		for _, name := range info.Names {
			fmt.Fprintf(tw, "  %s\t%s\n", name, control.Masked)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if info.Live != "" && info.LiveVersion != info.Version {
		fmt.Fprintf(g.stdout, "the live release %s runs with version %d; the next deploy boots with version %d\n", info.Live, info.LiveVersion, info.Version)
	}
	return nil
}

func newConfigSetCmd(g *globals) *cobra.Command {
	var noRestart bool
	cmd := &cobra.Command{
		Use:   "set KEY=VALUE...",
		Short: "Set config vars and deploy the live release's code with them (unless --no-restart)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set := map[string]string{}
			for _, arg := range args {
				name, value, err := vars.ParseAssignment(arg)
				if err != nil {
					return err
				}
				if _, twice := set[name]; twice {
					return fmt.Errorf("%s is given twice: give it once", name)
				}
				set[name] = value
			}
			return runVarsChange(cmd, g, control.VarsChange{Set: set, NoRestart: noRestart})
		},
	}
	cmd.Flags().BoolVar(&noRestart, "no-restart", false, "store the change for the next deploy, without deploying it now")
	return cmd
}

func newConfigUnsetCmd(g *globals) *cobra.Command {
	var noRestart bool
	cmd := &cobra.Command{
		Use:   "unset KEY...",
		Short: "Unset config vars and deploy the live release's code without them (unless --no-restart)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, name := range args {
				if err := vars.CheckName(name); err != nil {
					return err
				}
			}
			return runVarsChange(cmd, g, control.VarsChange{Unset: slices.Compact(slices.Sorted(slices.Values(args))), NoRestart: noRestart})
		},
	}
	cmd.Flags().BoolVar(&noRestart, "no-restart", false, "store the change for the next deploy, without deploying it now")
	return cmd
}

func newConfigGetCmd(g *globals) *cobra.Command {
	var reveal bool
	cmd := &cobra.Command{
		Use:   "get KEY",
		Short: "Show one config var, its value masked unless --reveal",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := vars.CheckName(args[0]); err != nil {
				return err
			}
			v, err := g.client().Var(cmd.Context(), args[0], reveal)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, v.Value)
			if !reveal {
				fmt.Fprintln(g.stderr, "(masked: --reveal shows the value)")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&reveal, "reveal", false, "print the value itself")
	return cmd
}

// runVarsChange sends a change of config vars and shows the deploy it starts as `cutover deploy`
// does.
func runVarsChange(cmd *cobra.Command, g *globals, change control.VarsChange) error {
	start := time.Now()
	id := ""
	rel, err := g.client().ChangeVars(cmd.Context(), change, func(e deploy.Event) {
		if e.Release != "" {
			id = e.Release
		}
		printEvent(g.stdout, e)
	})
	if err != nil && cmd.Context().Err() != nil {
		return interrupted(g, id, "deploy of the config change")
	}
	if err != nil {
		fmt.Fprintf(g.stderr, "\n !  config change failed: %s\n", strings.ReplaceAll(err.Error(), "\n", "\n    "))
		return errSilent
	}
	if rel == nil {
		return nil
	}
	fmt.Fprintf(g.stdout, "\n%s is live with config vars version %d (deployed in %s)\n", rel.ID, rel.VarsVersion, time.Since(start).Round(time.Millisecond))
	printFigures(g.stdout, rel)
	return nil
}
