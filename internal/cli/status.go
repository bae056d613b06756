package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newStatusCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the live release, its processes (pid, port, health, uptime) and requests in flight",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.client().Status(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, st)
			}
			live := st.Live
			if live == "" {
				live = "none yet (deploy with `cutover deploy APP_DIR`)"
			}
			fmt.Fprintf(g.stdout, "live:      %s %s\n", live, st.Source)
			fmt.Fprintf(g.stdout, "in flight: %d\n", st.InFlight)
			if st.Deploying != "" {
				fmt.Fprintf(g.stdout, "deploying: %s\n", st.Deploying)
			}
			fmt.Fprintf(g.stdout, "daemon:    pid %d, listening on %s, state %s, up %s\n",
				st.Daemon.Pid, st.Daemon.Listen, st.Daemon.State, since(st.Daemon.Started))
			if iso := st.Daemon.Isolation; iso != "" {
				if !strings.HasPrefix(iso, "process groups only") {
					iso = "process isolation: " + iso
				}
				fmt.Fprintf(g.stdout, "%s\n", iso)
			}
			fmt.Fprintln(g.stdout)
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROCESS\tPID\tPORT\tHEALTH\tUPTIME")
			for _, p := range st.Processes {
				port, health := "-", p.Health
				if p.Port > 0 {
					port = fmt.Sprint(p.Port)
				}
				if health == "" {
					health = "-"
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", p.Name, p.Pid, port, health, since(p.Started))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func since(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return time.Since(t).Round(time.Second).String()
}

func writeJSON(g *globals, v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
