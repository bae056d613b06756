package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/proxy"
)

func newPauseCmd(g *globals) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "pause",
		Short: "Hold the app's new requests until `cutover resume`, for a short step such as a database restart",
		Long: `Hold the app's new requests: they wait, in the order they came, until ` + "`cutover resume`" + ` lets
them through, for up to --timeout each, after which they get 503 with Retry-After. Requests in
flight finish. Pausing a paused app only sets the timeout. The pause is saved: it outlasts a restart
or an upgrade of the daemon, until resumed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := g.client().Pause(cmd.Context(), control.PauseRequest{Timeout: config.Duration(timeout)})
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "paused%s: new requests are held, each up to %s, then answered 503; `cutover resume` lets them through\n",
				appSuffix(g), time.Duration(t.PauseTimeout))
			warnUnsaved(g, t)
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", proxy.DefaultPauseTimeout, "how long each request may be held before it gets 503")
	return cmd
}

func newResumeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "resume",
		Short: "Let the requests `cutover pause` holds through, in the order they came",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := g.client().Resume(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "resumed%s: %s let through, in the order they came\n", appSuffix(g), requests(t.Released, "held request"))
			warnUnsaved(g, t)
			return nil
		},
	}
}

func newMaintenanceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "maintenance",
		Short: "Answer the app's requests with a 503 maintenance page (on), or serve them again (off)",
	}
	var req control.MaintenanceRequest
	on := &cobra.Command{
		Use:   "on",
		Short: "Answer every client but the allowed ones 503 with a maintenance page and Retry-After",
		Long: `Answer every request of the app 503 with Retry-After and a small page that says --message, or
the live release's public/503.html if it has one, except those of the clients --allow names, which
the app serves as usual (to check it before opening it again). The client is the TCP peer; behind
a proxy the daemon trusts (serve --trusted-proxy), the address that proxy forwarded for. Saved: it
outlasts a restart or an upgrade of the daemon, until ` + "`cutover maintenance off`.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req.On = true
			t, err := g.client().Maintenance(cmd.Context(), req)
			if err != nil {
				return err
			}
			allowed := ""
			if len(t.Allow) > 0 {
				allowed = ", except " + strings.Join(t.Allow, ", ")
			}
			fmt.Fprintf(g.stdout, "maintenance on%s: clients get 503 with the %s page%s; `cutover maintenance off` ends it\n",
				appSuffix(g), t.Page, allowed)
			warnUnsaved(g, t)
			return nil
		},
	}
	on.Flags().StringVar(&req.Message, "message", "", "what the built-in page says (default \""+proxy.DefaultMaintenanceMessage+"\")")
	on.Flags().StringArrayVar(&req.Allow, "allow", nil, "an address or network still served, such as 203.0.113.7 or 10.0.0.0/8 (repeat for more)")
	off := &cobra.Command{
		Use:   "off",
		Short: "End maintenance: requests reach the app again",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := g.client().Maintenance(cmd.Context(), control.MaintenanceRequest{})
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "maintenance off%s: requests reach the app again\n", appSuffix(g))
			warnUnsaved(g, t)
			return nil
		},
	}
	cmd.AddCommand(on, off)
	return cmd
}

// warnUnsaved says when a traffic change took effect but could not be saved.
func warnUnsaved(g *globals, t control.Traffic) {
	if t.Unsaved != "" {
		fmt.Fprintf(g.stderr, "warning: in effect now, but not saved (%s): a restart or an upgrade of the daemon forgets it; free some space and give the command again to keep it\n", t.Unsaved)
	}
}

// appSuffix names the app a command is for, when the user named one.
func appSuffix(g *globals) string {
	if app := g.appFor("."); app != "" {
		return " (app " + app + ")"
	}
	return ""
}

// requests says n requests: "1 held request", "3 held requests".
func requests(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// trafficLines are the lines of `cutover status` about a pause or maintenance, none without.
func trafficLines(t *control.Traffic) []string {
	if t == nil {
		return nil
	}
	var lines []string
	if t.Paused {
		lines = append(lines, fmt.Sprintf("paused:    for %s, %s now (each up to %s, then 503); `cutover resume` lets them through",
			since(t.PausedSince), requests(t.Held, "held request"), time.Duration(t.PauseTimeout)))
	}
	if t.Maintenance {
		line := fmt.Sprintf("maintenance: on for %s, answering 503 with the %s page", since(t.MaintenanceSince), t.Page)
		if len(t.Allow) > 0 {
			line += ", except to " + strings.Join(t.Allow, ", ")
		}
		lines = append(lines, line+"; `cutover maintenance off` ends it")
	}
	return lines
}
