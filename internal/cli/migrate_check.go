package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/migrate/capture"
	"github.com/cutover-dev/cutover/internal/migrate/lint"
	"github.com/cutover-dev/cutover/internal/procfile"
)

func newMigrateCheckCmd(g *globals) *cobra.Command {
	var (
		format  string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "check [APP_DIR]",
		Short: "Run the release command on a scratch copy of the database's schema and lint the SQL it sends; exit 1 on an error finding, 2 if it could not check",
		Long: `check starts a private PostgreSQL cluster from the host's binaries (on a unix socket in a temporary
folder), loads it with the schema of the app's DATABASE_URL and its framework's bookkeeping rows
(schema_migrations, django_migrations, alembic_version...), runs the Procfile's release: command against
it, then its postdeploy: command (linted as post-deploy), and lints every statement PostgreSQL received,
named by the Rails, Django or Alembic migration that sent it. It then replays those statements on a second copy, each in a transaction with a short
lock_timeout, and shows after the findings the table locks each took (from pg_locks) beside the
linter's claim; --format json gives {"findings": [...], "locks": [...]}. The real database is only read (pg_dump); nothing is deployed. For CI, before a deploy.

With [migrations] check_database = "postgres://user:password@host/postgres" in cutover.toml, the copy
is a scratch database cutover creates on that server instead (its user needs CREATEDB) and drops
afterwards; the statements are recorded by a proxy in front of it. Only pg_dump and psql are needed
on the host then (Debian: postgresql-client, of that server's version or newer).

DATABASE_URL comes from the environment or the app's cutover.toml [env]. APP_DIR defaults to the
current directory. Exit status: 0 no error finding; 1 an error finding (not silenced); 2 the check
could not run (no DATABASE_URL, database unreachable, no PostgreSQL binaries, the release command
failed on the copy, a statement the linter could not parse).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			app := "."
			if len(args) == 1 {
				app = args[0]
			}
			opts, err := checkOptions(app)
			if err != nil {
				fmt.Fprintln(g.stderr, "cutover:", err)
				return exitStatus(ExitLintIncomplete)
			}
			if opts.Command == "" {
				fmt.Fprintf(g.stderr, "cutover: %s has no release: or postdeploy: command; nothing to check\n", filepath.Join(app, "Procfile"))
				return nil
			}
			opts.Timeout, opts.ObserveLocks = timeout, true
			res, err := capture.Capture(cmd.Context(), opts)
			if err != nil {
				fmt.Fprintln(g.stderr, "cutover:", err)
				return exitStatus(ExitLintIncomplete)
			}
			n := 0
			for _, m := range res.Migrations {
				n += len(m.Statements)
			}
			fmt.Fprintf(g.stderr, "cutover: the release command sent %d statements in %d groups to a scratch copy (%s)\n",
				n, len(res.Migrations), res.Duration.Round(time.Millisecond))
			if n == 0 {
				fmt.Fprintln(g.stderr, "cutover: warning: the release command sent no statement to the copy: either nothing is "+
					"pending, or it connects to a database other than $DATABASE_URL (a hard-coded host?), which the check cannot see")
			}
			findings, unlinted := capture.Lint(opts.AppDir, res.Migrations, lint.Options{})
			if err := writeCheck(g.stdout, format, findings, res); err != nil {
				return err
			}
			if res.LocksError != "" {
				fmt.Fprintln(g.stderr, "cutover: warning: could not observe the statements' locks on the copy:", res.LocksError)
			}
			return lintStatus(g, findings, unlinted)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output: text, json, github (workflow annotations) or sarif")
	cmd.Flags().DurationVar(&timeout, "timeout", capture.DefaultRunTimeout, "how long the release command may run on the copy")
	return cmd
}

// checkOptions reads the app's release command and DATABASE_URL, saying what to do when either is
// missing.
func checkOptions(app string) (capture.Options, error) {
	if fi, err := os.Stat(app); err != nil || !fi.IsDir() {
		return capture.Options{}, fmt.Errorf("%s is not a directory: give the app directory, e.g. `cutover migrate check ./myapp`", app)
	}
	pf, err := procfile.ParseFile(filepath.Join(app, "Procfile"))
	if err != nil {
		return capture.Options{}, fmt.Errorf("read the app's Procfile: %w", err)
	}
	file, err := config.Load(app)
	if err != nil {
		return capture.Options{}, err
	}
	cfg := config.Defaults().Merge(file)
	url := os.Getenv("DATABASE_URL")
	if v, ok := cfg.Env["DATABASE_URL"]; ok {
		url = v
	}
	if url == "" {
		return capture.Options{}, errors.New("DATABASE_URL is not set: export it, or set it in " +
			filepath.Join(app, config.FileName) + " [env]; the check copies that database's schema")
	}
	abs, err := filepath.Abs(app)
	if err != nil {
		return capture.Options{}, err
	}
	var env []string
	for k, v := range cfg.Env {
		env = append(env, k+"="+v)
	}
	release, _ := pf.Get(procfile.Release)
	post, _ := pf.Get(procfile.Postdeploy)
	opts := capture.Options{AppDir: abs, Command: release.Command, Then: post.Command, DatabaseURL: url, Env: append(os.Environ(), env...),
		CheckDatabase: cfg.Migrations.CheckDatabase}
	if opts.Command == "" && opts.Then != "" {
		opts.Command = "true" // only a postdeploy command
	}
	return opts, nil
}
