package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
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
			if st.App != "" {
				fmt.Fprintf(g.stdout, "app:       %s\n", st.App)
			}
			fmt.Fprintf(g.stdout, "live:      %s\n", liveLine(st))
			fmt.Fprintf(g.stdout, "in flight: %d\n", st.InFlight)
			if len(st.Formation) > 0 {
				kept := ""
				if len(st.Kept) > 0 {
					kept = " (kept from --scale: " + deploy.FormatScale(st.Kept) + ")"
				}
				fmt.Fprintf(g.stdout, "formation: %s%s\n", deploy.FormatScale(st.Formation), kept)
			}
			for _, l := range trafficLines(st.Traffic) {
				fmt.Fprintln(g.stdout, l)
			}
			if st.Deploying != "" {
				fmt.Fprintf(g.stdout, "deploying: %s\n", st.Deploying)
				if f := st.Figures; f != nil {
					fmt.Fprintf(g.stdout, "figures:   %s since %s\n", f, f.Since.Local().Format(time.TimeOnly))
				}
			}
			if b := st.Bake; b != nil && b.Share > 0 {
				fmt.Fprintf(g.stdout, "canary:    %s to %s, %s serves the rest, %s left (`cutover promote` switches all now, `cutover rollback` goes back)\n",
					config.FormatShare(b.Share), b.Release, b.Old, time.Until(b.Until).Round(time.Second))
			} else if b != nil {
				fmt.Fprintf(g.stdout, "baking:    %s serves, %s kept booted to go back to, %s left (`cutover promote` ends it, `cutover rollback` goes back)\n",
					b.Release, b.Old, time.Until(b.Until).Round(time.Second))
			}
			if r := st.Restoring; r != nil {
				fmt.Fprintf(g.stdout, "restoring: %s is booting, attempt %d (requests get 503 until it serves; a deploy takes over)\n", r.Release, r.Attempt)
				if r.LastError != "" {
					fmt.Fprintf(g.stdout, "           last error: %s\n", indent(r.LastError, "           "))
				}
			}
			if st.LiveError != "" {
				fmt.Fprintf(g.stdout, "problem:   %s\n", st.LiveError)
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
			fmt.Fprintln(tw, "PROCESS\tPID\tPORT\tHEALTH\tUPTIME\tRESTARTS\tLAST EXIT")
			for _, p := range st.Processes {
				port := "-"
				if p.Port > 0 {
					port = fmt.Sprint(p.Port)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\n", p.Name, p.Pid, port, health(p), since(p.Started), p.Restarts, lastExit(p))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// liveLine says which release serves, or which one should and does not.
func liveLine(st control.Status) string {
	switch {
	case st.Live != "":
		return st.Live + " " + st.Source
	case st.Recorded != "":
		return fmt.Sprintf("none running: %s is recorded live but did not boot when the daemon started (see its log); deploy, or roll back", st.Recorded)
	}
	return "none yet (deploy with `cutover deploy APP_DIR`)"
}

// health is a process's health, or that it is crash-looping: a process that exits just after it
// became healthy would otherwise show as healthy, up 1s.
func health(p control.ProcessState) string {
	switch {
	case p.Loop != nil:
		return fmt.Sprintf("crash-looping (%d restarts in the last %s)", p.Loop.Restarts, since(p.Loop.Since))
	case p.Health == "":
		return "-"
	}
	return p.Health
}

// lastExit says how a process's last run ended and how long ago: "status 3, 4s ago".
func lastExit(p control.ProcessState) string {
	e := p.LastExit
	switch {
	case e == nil:
		return "-"
	case e.Signal != "":
		return fmt.Sprintf("%s, %s ago", e.Signal, since(e.Time))
	case e.Code >= 0:
		return fmt.Sprintf("status %d, %s ago", e.Code, since(e.Time))
	}
	return fmt.Sprintf("%s, %s ago", e.Message, since(e.Time))
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
