// Package cli is cutover's command line: one file per subcommand, each parsing its flags and handing
// off to the package that does the work.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
)

// Version is cutover's version, set at build time with -ldflags "-X ...cli.Version=...".
var Version = "dev"

// DefaultStateDir is the state directory when neither --state nor CUTOVER_STATE_DIR is given.
const DefaultStateDir = "state"

// errSilent marks an error that was already shown to the user.
var errSilent = errors.New("")

// exitStatus ends a command with a given exit status; what went wrong was already shown to the user.
type exitStatus int

// Error returns "exit status N".
func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// globals are the flags every command shares.
type globals struct {
	state    string
	app      string // --app
	logLevel string
	stdout   io.Writer
	stderr   io.Writer
}

// Main runs the cutover command line with os.Args and returns the exit code.
func Main() int {
	return Run(os.Args[1:], os.Stdout, os.Stderr)
}

// Run runs the command line with args and returns the exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := root.ExecuteContext(ctx); err != nil {
		var status exitStatus
		if errors.As(err, &status) {
			return int(status)
		}
		if !errors.Is(err, errSilent) {
			fmt.Fprintln(stderr, "cutover:", err)
		}
		return 1
	}
	return 0
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "cutover",
		Short: "Zero-downtime deploys of a web app on your own server",
		Long: `cutover runs your app (a directory with a Procfile) behind its own proxy and deploys new
releases without dropping a request: release phase, preboot beside the old release, an atomic
switch, drain, graceful stop, and rollback with the same preboot.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return setupLogging(g)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	stateDefault := DefaultStateDir
	if v := os.Getenv("CUTOVER_STATE_DIR"); v != "" {
		stateDefault = v
	}
	root.PersistentFlags().StringVar(&g.state, "state", stateDefault, "state directory of the daemon (env CUTOVER_STATE_DIR)")
	root.PersistentFlags().StringVar(&g.app, "app", "", "the app a command is for (env CUTOVER_APP; else `app =` in ./cutover.toml; else the daemon's only app)")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.AddCommand(
		newServeCmd(g), newDeployCmd(g), newRollbackCmd(g), newStatusCmd(g), newReleasesCmd(g),
		newLogsCmd(g), newMigrateCmd(g), newDemoCmd(g), newSampleAppCmd(), newVersionCmd(g),
		newBenchCmd(g), newUpgradeCmd(g), newLifelineCmd(g), newAppsCmd(g), newPromoteCmd(g),
		newPauseCmd(g), newResumeCmd(g), newMaintenanceCmd(g), newRunCmd(g), newConfigCmd(g), newScaleCmd(g),
		newGitCmd(g), newGitReceivePackCmd(g), newGitHookCmd(g),
	)
	return root
}

func setupLogging(g *globals) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: use debug, info, warn or error", g.logLevel)
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: level})))
	return nil
}

// client is a client of the daemon for the app the command is for (see appFor), as named in
// ./cutover.toml when no flag or environment names it.
func (g *globals) client() *control.Client { return g.clientFor(".") }

// clientFor is client, with the app named in dir's cutover.toml.
func (g *globals) clientFor(dir string) *control.Client {
	c := control.NewClient(g.state)
	c.App = g.appFor(dir)
	return c
}

// appFor is the app a command is for: --app, else $CUTOVER_APP, else `app =` in dir's
// cutover.toml, else "" (the daemon's only app). A cutover.toml that cannot be read names none:
// a deploy reports what is wrong with it.
func (g *globals) appFor(dir string) string {
	if g.app != "" {
		return g.app
	}
	if v := os.Getenv("CUTOVER_APP"); v != "" {
		return v
	}
	if f, err := config.Read(dir); err == nil {
		return f.Config.App
	}
	return ""
}

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print cutover's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(g.stdout, "cutover", Version)
			return nil
		},
	}
}
