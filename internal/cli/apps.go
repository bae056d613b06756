package cli

import (
	"bufio"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

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
	cmd.AddCommand(newAppsCreateCmd(g), newAppsHostsCmd(g), newAppsHTTPSCmd(g), newAppsDestroyCmd(g))
	return cmd
}

// printApps prints the apps as a table.
func printApps(g *globals, apps []control.AppInfo) {
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "APP\tHOSTS\tLIVE\tCERTIFICATES")
	for _, a := range apps {
		live := a.Live
		switch {
		case live == "":
			live = "-"
		case a.Socket:
			live += " (socket mode)"
		case a.Listen != "":
			live += " (socket mode on " + a.Listen + ")"
		}
		if a.Deploying != "" {
			live += ", deploying"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Name, strings.Join(a.Hosts, " "), live, certSummary(a.Certs))
	}
	tw.Flush()
	for _, a := range apps {
		for _, c := range a.Certs {
			if c.LastError == "" {
				continue
			}
			next := ""
			if !c.NextAttempt.IsZero() {
				next = " (next try " + c.NextAttempt.Local().Format("15:04:05") + ")"
			}
			fmt.Fprintf(g.stdout, "%s: %s: %s%s\n", c.Host, c.Status, c.LastError, next)
		}
	}
}

// certSummary says where an app's certificates stand in a few words: each status with its count,
// and the earliest expiry of the valid ones.
func certSummary(certs []control.CertState) string {
	if len(certs) == 0 {
		return "-"
	}
	count := map[string]int{}
	var order []string
	var until time.Time
	for _, c := range certs {
		if count[c.Status] == 0 {
			order = append(order, c.Status)
		}
		count[c.Status]++
		if !c.NotAfter.IsZero() && (until.IsZero() || c.NotAfter.Before(until)) {
			until = c.NotAfter
		}
	}
	var parts []string
	for _, st := range order {
		word := st
		switch st {
		case "files":
			word = "valid (own files)"
		case "files-invalid":
			word = "own files unusable"
		}
		parts = append(parts, fmt.Sprintf("%d %s", count[st], word))
	}
	s := strings.Join(parts, ", ")
	if !until.IsZero() {
		s += ", until " + until.Local().Format("2006-01-02 15:04")
	}
	return s
}

func newAppsCreateCmd(g *globals) *cobra.Command {
	var hosts []string
	var req control.AppRequest
	cmd := &cobra.Command{
		Use:   "create NAME --host HOST...",
		Short: "Create an app that answers for its hosts at once",
		Long: `Create an app. A host is a name (blog.example.com), a one-label wildcard (*.example.com), a
name with a path prefix (example.com/api: the longest prefix wins), or '*' for every host no
other app answers for. Requests for the app get 503 ("no release yet") until its first deploy.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Name, req.Hosts = args[0], hosts
			for _, p := range []*string{&req.TLSCert, &req.TLSKey} {
				if *p != "" {
					abs, err := filepath.Abs(*p)
					if err != nil {
						return err
					}
					*p = abs
				}
			}
			info, err := g.client().CreateApp(cmd.Context(), req)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "created app %s, answering for %s: deploy it with `cutover deploy --app %s DIR`\n",
				info.Name, strings.Join(info.Hosts, ", "), info.Name)
			for _, c := range info.Certs {
				if c.Status == "files-invalid" { // its own files, read at once: say now what is wrong
					fmt.Fprintf(g.stdout, "no HTTPS for %s yet: %s (the files are read again when they change)\n", c.Host, c.LastError)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&hosts, "host", nil, "a host the app answers for (repeat for more)")
	cmd.Flags().StringVar(&req.TLSCert, "tls-cert", "", "the app's own certificate chain (PEM) for HTTPS, instead of ACME; reloaded when it changes")
	cmd.Flags().StringVar(&req.TLSKey, "tls-key", "", "the private key (PEM) of --tls-cert")
	cmd.Flags().StringVar(&req.HSTS, "hsts", "", "Strict-Transport-Security value for HTTPS responses, such as max-age=31536000")
	cmd.Flags().BoolVar(&req.NoRedirect, "no-redirect", false, "keep serving plain HTTP when the app has certificates (no redirect to HTTPS)")
	return cmd
}

func newAppsHostsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hosts",
		Short: "Add, remove or move hosts of an app; routing changes at once, open connections are kept",
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
		change("move", "Give hosts to an app, taking each from the app that has it, in one step (no request answered 404 in between)",
			func(h []string) control.HostsRequest { return control.HostsRequest{Move: h} }),
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
