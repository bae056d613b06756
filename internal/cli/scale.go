package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
)

func newScaleCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "scale [--app APP] [TYPE=N ...]",
		Short: "Change how many processes of each type the live release runs, without a new release",
		Long: `scale changes the live release's formation in place, as a deploy would change it: new web
processes boot and pass their health check before they get requests, and web processes to go stop
only once they get no new request and their requests in flight have finished. Workers start or stop
at once. The formation is kept for later deploys and rollbacks, as deploy --scale keeps it. With no
TYPE=N, scale shows the formation. Socket mode changes its formation with a deploy instead.`,
		Example: `  cutover scale web=3 worker=2
  cutover scale --app api web=1`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				st, err := g.client().Status(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "%s\n", strings.TrimSpace(deploy.FormatScale(st.Formation)))
				return nil
			}
			want, err := parseScale(args)
			if err != nil {
				return err
			}
			res, err := g.client().Scale(cmd.Context(), control.ScaleRequest{Scale: want})
			if err != nil {
				return err
			}
			for _, line := range res.Log {
				fmt.Fprintf(g.stdout, "    %s\n", line)
			}
			fmt.Fprintf(g.stdout, "%s runs %s\n", res.Release, strings.TrimSpace(deploy.FormatScale(res.Formation)))
			return nil
		},
	}
}

// parseScale reads TYPE=N arguments.
func parseScale(args []string) (map[string]int, error) {
	want := map[string]int{}
	for _, a := range args {
		name, count, ok := strings.Cut(a, "=")
		n, err := strconv.Atoi(count)
		if !ok || name == "" || err != nil {
			return nil, fmt.Errorf("%q: give TYPE=N, such as web=3", a)
		}
		if _, twice := want[name]; twice {
			return nil, fmt.Errorf("%s is given twice: give each process type once", name)
		}
		want[name] = n
	}
	return want, nil
}
