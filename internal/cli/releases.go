package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/chart"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
)

func newReleasesCmd(g *globals) *cobra.Command {
	var asJSON bool
	var chartFile string
	cmd := &cobra.Command{
		Use:   "releases [RELEASE]",
		Short: "List releases (id, source, time, result), or show one release's timeline and figures",
		Example: `  cutover releases
  cutover releases v7
  cutover releases v7 --chart v7.svg
  cutover releases v7 --chart v7.png`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				rel, err := g.client().Release(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if chartFile != "" {
					return writeChart(chartFile, rel)
				}
				if asJSON {
					return writeJSON(g, rel)
				}
				return showRelease(g, rel)
			}
			if chartFile != "" {
				return errors.New("--chart draws one release's deploy: name it, such as `cutover releases v7 --chart v7.svg`")
			}
			rels, err := g.client().Releases(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, rels)
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATUS\tCREATED\tSOURCE\tRESULT")
			for i := len(rels) - 1; i >= 0; i-- {
				r := rels[i]
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Status, r.Created.Local().Format("2006-01-02 15:04:05"), source(r), result(r))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			return showDamaged(cmd, g)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&chartFile, "chart", "", "write the release's deploy chart (requests, errors, latency, steps) to this file, as the dashboard draws it: SVG if the name ends in .svg, PNG (1600×480 pixels) if in .png")
	cmd.AddCommand(newPruneCmd(g))
	return cmd
}

// showDamaged lists the releases left out of the history because their record is damaged.
func showDamaged(cmd *cobra.Command, g *globals) error {
	damaged, err := g.client().Damaged(cmd.Context())
	if err != nil || len(damaged) == 0 {
		return err
	}
	fmt.Fprintf(g.stdout, "\n%d damaged record(s), left out of the history above (a deploy is not affected):\n", len(damaged))
	for _, d := range damaged {
		fmt.Fprintf(g.stdout, "  %s: %s\n", d.ID, d.Reason)
	}
	return nil
}

func newPruneCmd(g *globals) *cobra.Command {
	var keep int
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove old releases from disk, keeping the newest ones, the live one and its rollback target",
		Long: fmt.Sprintf(`prune removes the release directories older than the newest --keep releases. The live release,
the one `+"`cutover rollback`"+` would go back to and the app a kept rollback boots are always kept.
The daemon also prunes after each deploy that switched, keeping its --keep-releases (default %d).`, release.DefaultKeepReleases),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keep < 1 {
				return fmt.Errorf("--keep %d: keep at least 1 (the live release and its rollback target stay whatever it says)", keep)
			}
			res, err := g.client().Prune(cmd.Context(), control.PruneRequest{Keep: keep})
			if err != nil {
				return err
			}
			if len(res.Removed) == 0 {
				fmt.Fprintln(g.stdout, "nothing to prune")
				return nil
			}
			fmt.Fprintf(g.stdout, "removed %s\n", strings.Join(res.Removed, ", "))
			return nil
		},
	}
	cmd.Flags().IntVar(&keep, "keep", release.DefaultKeepReleases, "how many of the newest releases to keep")
	return cmd
}

func source(r *release.Release) string {
	if r.RollbackOf != "" {
		return "rollback to " + r.RollbackOf
	}
	if r.VarsChangeOf != "" {
		return "config change of " + r.VarsChangeOf
	}
	if r.Commit != nil {
		return "git " + r.Commit.String()
	}
	return r.Source
}

// result is a release's outcome in one line.
func result(r *release.Release) string {
	if r.Error != "" {
		first, _, _ := strings.Cut(r.Error, "\n")
		return first
	}
	if r.Report != nil && r.Config.Mode == config.ModeSocket {
		return "socket mode: requests not seen by cutover"
	}
	if r.Report != nil {
		return fmt.Sprintf("%d requests, %d failed, p99 %s", r.Report.Requests, r.Report.Failed, report.FormatDuration(r.Report.P99))
	}
	return ""
}

func showRelease(g *globals, r *release.Release) error {
	fmt.Fprintf(g.stdout, "release %s: %s\nsource:  %s\ncreated: %s\nhash:    %s\n",
		r.ID, r.Status, source(r), r.Created.Local().Format("2006-01-02 15:04:05"), r.Hash)
	if r.Commit != nil {
		fmt.Fprintf(g.stdout, "commit:  %s (%s)\n", r.Commit, r.Commit.Branch)
	}
	if r.VarsVersion > 0 {
		fmt.Fprintf(g.stdout, "config:  config vars version %d\n", r.VarsVersion)
	}
	if r.Error != "" {
		fmt.Fprintf(g.stdout, "error:   %s\n", indent(r.Error, "         "))
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(g.stdout, "warning: %s\n", w)
	}
	for _, c := range r.Contract {
		fmt.Fprintf(g.stdout, "contract migration: %s\n", c)
	}
	if b := r.Bake; b != nil {
		what, old := "bake:  ", "before the deploy"
		if b.Canary > 0 {
			what, old = "canary:", "old release beside it"
			fmt.Fprintf(g.stdout, "canary:  %s of new clients\n", config.FormatShare(b.Canary))
		}
		fmt.Fprintf(g.stdout, "%s  %s after %s of %s\n", what, b.Outcome, report.FormatDuration(b.Took.Round(time.Millisecond)), report.FormatDuration(b.Window))
		if b.Reason != "" {
			fmt.Fprintf(g.stdout, "         because %s\n", b.Reason)
		}
		fmt.Fprintf(g.stdout, "         %s: %s\n         %s: %s\n", r.ID, b.New, old, b.Old)
		if b.FailureToSwitch > 0 {
			fmt.Fprintf(g.stdout, "         from its first failed request to traffic going back: %s\n", report.FormatDuration(b.FailureToSwitch))
		}
	}
	fmt.Fprintln(g.stdout, "\ntimeline:")
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	var start = r.Created
	if len(r.Steps) > 0 {
		start = r.Steps[0].Start
	}
	for _, s := range r.Steps {
		status := "ok"
		if s.Error != "" {
			status = "failed"
		}
		fmt.Fprintf(tw, "  +%s\t%s\t%s\t%s\n", report.FormatDuration(s.Start.Sub(start)), s.Name, report.FormatDuration(s.Duration), status)
	}
	tw.Flush()
	if r.Report != nil {
		fmt.Fprintln(g.stdout, "\nwhat it cost:")
		for _, line := range figureLines(r) {
			fmt.Fprintln(g.stdout, "  "+line)
		}
		if r.Config.Mode == config.ModeSocket && r.Report.Requests == 0 {
			return nil
		}
		fmt.Fprintln(g.stdout, "\nrequests during the deploy:")
		return r.Report.Format(g.stdout)
	}
	return nil
}

// writeChart writes rel's deploy chart to path: SVG or PNG, as the file's extension says.
func writeChart(path string, rel *release.Release) error {
	var write func(chart.Chart, io.Writer) error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg":
		write = chart.Chart.Write
	case ".png":
		write = chart.Chart.WritePNG
	default:
		return fmt.Errorf("--chart %s: the chart is drawn as SVG or PNG; name a .svg or a .png file", path)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--chart: %w", err)
	}
	if err := write(chart.ForRelease(rel), f); err != nil {
		f.Close()
		os.Remove(path) // half a chart would read as a chart
		return fmt.Errorf("--chart %s: %w", path, err)
	}
	return f.Close()
}
