package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
)

// deployFlags are the settings a deploy or rollback can override.
type deployFlags struct {
	healthPath                 string
	boot, release, drain, stop time.Duration
	scale                      map[string]int
	allowUnsafe, json          bool
	detach                     bool
	bake                       time.Duration
	noBake                     bool
	canary                     string
	canaryFor                  time.Duration
}

func (f *deployFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.healthPath, "health-path", config.DefaultHealthPath, "path that answers 2xx when a web process is ready (env CUTOVER_HEALTH_PATH)")
	fl.DurationVar(&f.boot, "boot-timeout", config.DefaultBootTimeout, "how long new processes may take to become healthy (env CUTOVER_BOOT_TIMEOUT)")
	fl.DurationVar(&f.release, "release-timeout", config.DefaultReleaseTimeout, "how long the release command may run (env CUTOVER_RELEASE_TIMEOUT)")
	fl.DurationVar(&f.drain, "drain-timeout", config.DefaultDrainTimeout, "how long in-flight requests may finish on the old release (env CUTOVER_DRAIN_TIMEOUT)")
	fl.DurationVar(&f.stop, "stop-timeout", config.DefaultStopTimeout, "how long after SIGTERM before SIGKILL (env CUTOVER_STOP_TIMEOUT)")
	fl.DurationVar(&f.bake, "bake", config.DefaultBake, "how long the old release stays booted after the switch, to go back to at once if the new one does worse (env CUTOVER_BAKE; see docs/bake.md)")
	fl.BoolVar(&f.noBake, "no-bake", false, "stop the old release right after the switch (bake = \"off\")")
	fl.StringVar(&f.canary, "canary", "", "send this share of new clients (e.g. 10%) to the new release, sticky by a cookie, and promote or roll back by its figures (env CUTOVER_CANARY; see docs/bake.md)")
	fl.DurationVar(&f.canaryFor, "canary-for", config.DefaultCanaryFor, "how long the canary runs before the full switch (env CUTOVER_CANARY_FOR)")
	fl.StringToIntVar(&f.scale, "scale", nil, "processes per type, e.g. web=2,worker=1 (default 1 each)")
	fl.BoolVar(&f.allowUnsafe, "allow-unsafe", false, "deploy even if the migration linter finds errors")
	fl.BoolVar(&f.json, "json", false, "print events as JSON lines")
	fl.BoolVar(&f.detach, "detach", false, "start the deploy, print its release id and how to follow it, and return")
}

// overrides are the settings from the environment, then the flags the user set.
func (f *deployFlags) overrides(cmd *cobra.Command) (config.Config, error) {
	env, err := config.FromEnv(os.Getenv)
	if err != nil {
		return config.Config{}, err
	}
	var fl config.Config
	set := cmd.Flags().Changed
	if set("health-path") {
		fl.HealthPath = f.healthPath
	}
	for name, p := range map[string]struct {
		dst *config.Duration
		v   time.Duration
	}{"boot-timeout": {&fl.BootTimeout, f.boot}, "release-timeout": {&fl.ReleaseTimeout, f.release},
		"drain-timeout": {&fl.DrainTimeout, f.drain}, "stop-timeout": {&fl.StopTimeout, f.stop}} {
		if set(name) {
			if p.v <= 0 {
				return config.Config{}, fmt.Errorf("--%s must be positive", name)
			}
			*p.dst = config.Duration(p.v)
		}
	}
	switch {
	case f.noBake && set("bake"):
		return config.Config{}, fmt.Errorf("--bake and --no-bake: give one")
	case f.noBake:
		fl.Bake = "off"
	case set("bake") && f.bake <= 0:
		fl.Bake = "off"
	case set("bake"):
		fl.Bake = f.bake.String()
	}
	if set("canary") {
		if _, err := config.ParseShare(f.canary); err != nil {
			return config.Config{}, fmt.Errorf("--canary: %w", err)
		}
		fl.Canary = f.canary
	}
	if set("canary-for") {
		if f.canaryFor <= 0 {
			return config.Config{}, fmt.Errorf("--canary-for must be positive")
		}
		fl.CanaryFor = config.Duration(f.canaryFor)
	}
	fl.Scale = f.scale
	return env.Merge(fl), nil
}

func newDeployCmd(g *globals) *cobra.Command {
	var f deployFlags
	var abort, skipCheck bool
	cmd := &cobra.Command{
		Use:   "deploy APP_DIR",
		Short: "Deploy the app in APP_DIR with no request dropped",
		Long: `deploy copies APP_DIR (a directory with a Procfile, and optionally cutover.toml) into a new release,
runs its release phase, boots it beside the live release, waits until it is healthy, switches traffic,
drains and stops the old release, then runs the post-deploy migrations and the Procfile's postdeploy:
command. Any failure before the switch leaves the old release serving.

Before the release phase, when DATABASE_URL is set, the release and postdeploy commands run once on a
scratch copy of the database's schema (see ` + "`cutover migrate check`" + `) and the SQL they send is linted:
an error finding stops the deploy with nothing changed. The commands thus run twice per deploy, once on
the copy: what they do besides SQL (uploading assets, notifying a chat) happens twice too, and they must
take their database from DATABASE_URL or the PG* variables, which the check points at the copy (a
deploy whose commands changed the real schema during the check stops, saying so). --skip-check skips
the check, and says so in the release's record.

The deploy runs in the daemon: Ctrl-C (or --detach) leaves it running there; follow it with
` + "`cutover status`" + ` and stop it with ` + "`cutover deploy --abort`" + `, which works until traffic has switched
(after that, ` + "`cutover rollback`" + ` goes back).`,
		Args: deployArgs(&abort),
		RunE: func(cmd *cobra.Command, args []string) error {
			if abort {
				return runAbort(cmd, g)
			}
			src, err := appDir(args[0])
			if err != nil {
				return err
			}
			over, err := f.overrides(cmd)
			if err != nil {
				return err
			}
			return runDeploy(cmd, g, f, deploy.Request{Source: src, Overrides: over, AllowUnsafe: f.allowUnsafe, SkipCheck: skipCheck})
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&abort, "abort", false, "stop the deploy under way, if it has not switched traffic yet")
	cmd.Flags().BoolVar(&skipCheck, "skip-check", false, "do not check the release command's SQL on a scratch copy of the schema (for emergencies; recorded in the release)")
	return cmd
}

func newRollbackCmd(g *globals) *cobra.Command {
	var f deployFlags
	var force bool
	cmd := &cobra.Command{
		Use:   "rollback [RELEASE]",
		Short: "Boot an earlier release again, with the same preboot (default: the one before the live one)",
		Long: `rollback makes a new release from an earlier one's app and deploys it like any other, without its
release phase. Database migrations are not reverted: a rollback to a release older than a post-deploy
(contract) migration is refused, naming the migration, unless --force.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			over, err := f.overrides(cmd)
			if err != nil {
				return err
			}
			target := "previous"
			if len(args) == 1 {
				target = args[0]
			}
			return runDeploy(cmd, g, f, deploy.Request{Rollback: target, Overrides: over, Force: force})
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&force, "force", false, "roll back even past post-deploy (contract) migrations that ran since the target served")
	return cmd
}

func runDeploy(cmd *cobra.Command, g *globals, f deployFlags, req deploy.Request) error {
	what := "deploy"
	if req.Rollback != "" {
		what = "rollback"
	}
	if f.detach {
		return runDetached(cmd, g, req, what)
	}
	start := time.Now()
	enc := json.NewEncoder(g.stdout)
	id := ""
	rel, err := g.clientFor(sourceDir(req)).Deploy(cmd.Context(), req, func(e deploy.Event) {
		if e.Release != "" {
			id = e.Release
		}
		if f.json {
			enc.Encode(e)
			return
		}
		printEvent(g.stdout, e)
	})
	if err != nil && cmd.Context().Err() != nil {
		return interrupted(g, id, what)
	}
	if f.json {
		return silentIf(err)
	}
	if err != nil {
		fmt.Fprintf(g.stderr, "\n !  %s failed: %s\n", what, indent(err.Error(), "    "))
		return errSilent
	}
	if id != "" && rel.ID != id {
		// A rollback during a bake or canary: the release kept booted serves again, and its figures
		// are those of its own deploy, not of this one.
		fmt.Fprintf(g.stdout, "\n%s is live again, %s stopped (in %s); what the deploy of %s cost: `cutover releases %s`\n",
			rel.ID, id, time.Since(start).Round(time.Millisecond), id, id)
		return nil
	}
	fmt.Fprintf(g.stdout, "\n%s is live (deployed in %s)\n", rel.ID, time.Since(start).Round(time.Millisecond))
	printFigures(g.stdout, rel)
	return nil
}

func silentIf(err error) error {
	if err != nil {
		return errSilent
	}
	return nil
}

// printEvent shows one deploy event as it happens.
func printEvent(w io.Writer, e deploy.Event) {
	switch e.Kind {
	case deploy.StepStart:
		if e.Release == "" {
			fmt.Fprintf(w, "==> %s\n", e.Step)
			break
		}
		fmt.Fprintf(w, "==> %s: %s\n", e.Release, e.Step)
	case deploy.StepDone:
		fmt.Fprintf(w, "    done in %s\n", report.FormatDuration(e.Duration))
	case deploy.StepFail:
		fmt.Fprintf(w, " !  %s failed after %s\n", e.Step, report.FormatDuration(e.Duration))
	case deploy.Output:
		fmt.Fprintf(w, "    | %s\n", e.Message)
	case deploy.Warn:
		fmt.Fprintf(w, " !  %s\n", indent(e.Message, "    "))
	default:
		fmt.Fprintf(w, "    %s\n", indent(e.Message, "    "))
	}
}

// printFigures shows what the deploy cost the app's users.
func printFigures(w io.Writer, rel *release.Release) {
	if rel == nil || rel.Report == nil {
		return
	}
	for _, line := range figureLines(rel) {
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "(cutover releases %s for the timeline, second by second)\n", rel.ID)
}

// figureLines says what a deploy cost, in a few lines: requests during it, failed by outcome, and
// latency beside the time before it; how soon the new release got its first request after passing
// its health check; the daemon's peak memory.
func figureLines(rel *release.Release) []string {
	s := rel.Report
	failed := ""
	if by := s.Failures.String(); by != "" {
		failed = " (" + by + ")"
	}
	lines := []string{fmt.Sprintf("during the deploy: %d requests, %d failed%s, p50 %s, p99 %s",
		s.Requests, s.Failed, failed, report.FormatDuration(s.P50), report.FormatDuration(s.P99))}
	if rel.Config.Mode == config.ModeSocket {
		lines = []string{socketModeFigures(s.Requests, s.Failed)}
	}
	if st := rel.Steady; st != nil && st.Requests > 0 && st.P99 > 0 {
		lines = append(lines, fmt.Sprintf("before it (%s): %d requests, %d failed, p50 %s, p99 %s; p99 during/before %.2f×",
			report.FormatDuration(deploy.DefaultSteadyWindow), st.Requests, st.Failed, report.FormatDuration(st.P50),
			report.FormatDuration(st.P99), float64(s.P99)/float64(st.P99)))
	}
	switch {
	case rel.HealthyToFirst > 0:
		lines = append(lines, fmt.Sprintf("%s got its first request %s after passing its health check", rel.ID, report.FormatDuration(rel.HealthyToFirst)))
	case rel.Error == "" && rel.Config.Mode != config.ModeSocket:
		lines = append(lines, fmt.Sprintf("no request reached %s before the deploy ended", rel.ID))
	}
	if rel.PeakRSS > 0 {
		lines = append(lines, "daemon memory at its peak during the deploy: "+report.FormatBytes(rel.PeakRSS))
	}
	return lines
}

// socketModeFigures says what cutover counted of a socket-mode deploy: only the requests on
// connections its proxy still held from before, since the app accepts on the public socket itself.
func socketModeFigures(requests, failed int64) string {
	msg := "socket mode: the app accepts on the public socket itself, so cutover is not on the request path and counts no requests"
	if requests > 0 {
		msg += fmt.Sprintf(" (beyond %d on connections its proxy still held from before, %d failed)", requests, failed)
	}
	return msg + "; measure from the client (`cutover bench deploy`) or the app's own logs"
}

func indent(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// sourceDir is where the cutover.toml that may name the app of a deploy is: the deployed directory,
// or the current one for a rollback.
func sourceDir(req deploy.Request) string {
	if req.Source != "" {
		return req.Source
	}
	return "."
}
