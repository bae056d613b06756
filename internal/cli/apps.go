package cli

import (
	"bufio"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/control"
)

// newAppsCmd is `cutover apps`: the apps of the daemon, and the hosts each answers for.
func newAppsCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "apps",
		Short: "List the apps of the daemon, the hosts each answers for, and their live release",
		Long: `List the apps of the daemon. Each app has its own releases, processes, logs and deploys, and
answers for its hosts: requests are routed by their Host (and an optional path prefix).

  cutover apps create blog --host blog.example.com --host www.blog.example.com
  cutover apps hosts add blog blog.example.org
  cutover deploy --app blog ./blog`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			apps, err := g.client().Apps(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, append([]control.AppInfo{}, apps...))
			}
			if len(apps) == 0 {
				fmt.Fprintln(g.stdout, "no apps yet: create one with `cutover apps create NAME --host NAME`, or deploy and one is made")
				return nil
			}
			printApps(g, apps)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the apps as JSON")
	cmd.AddCommand(newAppsCreateCmd(g), newAppsHostsCmd(g), newAppsDestroyCmd(g))
	return cmd
}

// printApps prints the apps as a table.
func printApps(g *globals, apps []control.AppInfo) {
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "APP\tHOSTS\tLIVE")
	for _, a := range apps {
		live := a.Live
		switch {
		case live == "":
			live = "-"
		case a.Socket:
			live += " (socket mode)"
		}
		if a.Deploying != "" {
			live += ", deploying"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Name, strings.Join(a.Hosts, " "), live)
	}
	tw.Flush()
}

func newAppsCreateCmd(g *globals) *cobra.Command {
	var hosts []string
	cmd := &cobra.Command{
		Use:   "create NAME --host HOST...",
		Short: "Create an app that answers for its hosts at once",
		Long: `Create an app. A host is a name (blog.example.com), a one-label wildcard (*.example.com), a
name with a path prefix (example.com/api: the longest prefix wins), or '*' for every host no
other app answers for. Requests for the app get 502 until its first deploy.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			info, err := g.client().CreateApp(cmd.Context(), control.AppRequest{Name: args[0], Hosts: hosts})
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "created app %s, answering for %s: deploy it with `cutover deploy --app %s DIR`\n",
				info.Name, strings.Join(info.Hosts, ", "), info.Name)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&hosts, "host", nil, "a host the app answers for (repeat for more)")
	return cmd
}

func newAppsHostsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hosts",
		Short: "Add or remove hosts of an app; routing changes at once, open connections are kept",
	}
	change := func(use, short string, req func(hosts []string) control.HostsRequest) *cobra.Command {
		return &cobra.Command{
			Use:   use + " APP HOST...",
			Short: short,
			Args:  cobra.MinimumNArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				info, err := g.client().ChangeHosts(cmd.Context(), args[0], req(args[1:]))
				if err != nil {
					return err
				}
				hosts := strings.Join(info.Hosts, ", ")
				if hosts == "" {
					hosts = "none: it gets no requests until you add one"
				}
				fmt.Fprintf(g.stdout, "app %s answers for %s\n", info.Name, hosts)
				return nil
			},
		}
	}
	cmd.AddCommand(
		change("add", "Add hosts to an app", func(h []string) control.HostsRequest { return control.HostsRequest{Add: h} }),
		change("remove", "Remove hosts from an app", func(h []string) control.HostsRequest { return control.HostsRequest{Remove: h} }),
	)
	return cmd
}

func newAppsDestroyCmd(g *globals) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "destroy APP",
		Short: "Stop an app and remove it with its releases and logs (asks to type its name)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if !yes {
				fmt.Fprintf(g.stdout, "This stops app %s and removes its releases and logs; it cannot be undone.\nType the app's name to confirm: ", name)
				line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if strings.TrimSpace(line) != name {
					fmt.Fprintln(g.stdout)
					return fmt.Errorf("not destroyed: the name typed was not %q (give --yes in scripts)", name)
				}
			}
			if err := g.client().DestroyApp(cmd.Context(), name); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "destroyed app %s\n", name)
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "destroy without asking")
	return cmd
}
