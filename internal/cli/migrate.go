package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/migrate"
	"github.com/cutover-dev/cutover/internal/migrate/lint"
)

func newMigrateCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Check and inspect the app's SQL migrations (pre-deploy: expand, post-deploy: contract)",
		Long: `cutover runs plain SQL migrations from two folders of the app: pre-deploy (expand) ones before the
switch, while the old release still serves, and post-deploy (contract) ones once the old release has
stopped. ` + "`cutover deploy`" + ` lints and runs them; these commands check and inspect them on their own.`,
	}
	cmd.AddCommand(newMigrateLintCmd(g), newMigrateStatusCmd(g), newMigrateCheckCmd(g))
	return cmd
}

// Exit statuses of `cutover migrate lint`, for CI.
const (
	// ExitLintErrors means an error finding that is not silenced.
	ExitLintErrors = 1
	// ExitLintIncomplete means a file could not be read or parsed: the run is incomplete.
	ExitLintIncomplete = 2
)

// lintStatus is how `migrate lint` and `migrate check` end: ExitLintIncomplete when something could
// not be linted (said on stderr), else ExitLintErrors on an error finding, else success.
func lintStatus(g *globals, findings []lint.Finding, unlinted error) error {
	switch {
	case unlinted != nil:
		fmt.Fprintf(g.stderr, "cutover: could not lint:\n%v\n", unlinted)
		return exitStatus(ExitLintIncomplete)
	case lint.HasErrors(findings):
		return exitStatus(ExitLintErrors)
	}
	return nil
}

func newMigrateLintCmd(g *globals) *cobra.Command {
	var (
		format, phase, runner string
		target                int
	)
	cmd := &cobra.Command{
		Use:   "lint [FILE_OR_DIR...]",
		Short: "Check SQL migrations with PostgreSQL's parser; exit 1 on an error finding, 2 if a file could not be linted",
		Long: `lint parses each migration with PostgreSQL's own parser and reports statements that would break the
release still serving (pre-deploy) or take locks that stall traffic, each with a code, the line, why,
and the safe alternative. A finding is silenced for one statement by a comment above it:
    -- cutover:ignore CO201 reason: the table is empty here
Without arguments it lints db/migrate (pre) and db/post_migrate (post) of the current directory.
Files under a folder named post_migrate are post-deploy unless --phase says otherwise.

A file that cannot be read or parsed is reported on stderr with its line, and every other file is still
linted and reported. Exit status: 0 no error finding; 1 an error finding (not silenced); 2 a file could
not be linted (checked first: the run is incomplete, whatever the other files hold).

Rules:
` + rulesHelp(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{config.DefaultPreMigrateDir, config.DefaultPostMigrateDir}
			}
			files, err := sqlFiles(args)
			if err != nil {
				return err
			}
			opts := lint.Options{TargetVersion: target}
			switch runner {
			case "cutover":
				opts.InTransaction, opts.RunnerSetsLockTimeout = true, true
			case "plain":
			default:
				return fmt.Errorf("--runner %q: use cutover or plain", runner)
			}
			// All files in one call, pre-deploy before post-deploy as they run, so what earlier files
			// did to a table (a column's type, a validated NOT NULL check) informs the rules on later
			// ones. A file that does not parse is reported, and the others are still linted.
			var srcs []lint.Source
			for _, p := range []lint.Phase{lint.PreDeploy, lint.PostDeploy} {
				for _, f := range files {
					if fp := lint.Phase(phase); fp == p || fp == "" && phaseOf(f) == p {
						srcs = append(srcs, lint.Source{Path: f, Phase: p})
					}
				}
			}
			findings, unlinted := lint.LintSources(srcs, opts)
			if err := lint.Write(g.stdout, findings, format); err != nil {
				return err
			}
			return lintStatus(g, findings, unlinted)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output: text, json, github (workflow annotations) or sarif")
	cmd.Flags().StringVar(&phase, "phase", "", "pre or post (default: by folder)")
	cmd.Flags().IntVar(&target, "target-version", lint.DefaultTargetVersion, "PostgreSQL major version the migrations run on")
	cmd.Flags().StringVar(&runner, "runner", "cutover", "what runs the files: cutover (each file in a transaction when it can, lock_timeout set) or plain (each statement on its own, as psql)")
	return cmd
}

// rulesHelp lists the linter's rules for --help.
func rulesHelp() string {
	var b strings.Builder
	for _, r := range lint.Rules() {
		fmt.Fprintf(&b, "  %s  %-7s  %s\n", r.Code, r.Severity, r.Summary)
	}
	return b.String()
}

// sqlFiles expands directories into their *.sql files, in name order; a missing default folder is
// skipped, a missing named file is an error.
func sqlFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			if os.IsNotExist(err) && (a == config.DefaultPreMigrateDir || a == config.DefaultPostMigrateDir) {
				continue
			}
			return nil, fmt.Errorf("%s: %w", a, err)
		}
		if !fi.IsDir() {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(filepath.Join(a, "*.sql"))
		if err != nil {
			return nil, err
		}
		slices.Sort(m)
		out = append(out, m...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no SQL migrations found in %s", strings.Join(args, ", "))
	}
	return out, nil
}

// phaseOf says a file under a post_migrate folder is post-deploy; anything else is pre-deploy.
func phaseOf(path string) lint.Phase {
	for _, part := range strings.Split(filepath.ToSlash(filepath.Dir(path)), "/") {
		if part == filepath.Base(config.DefaultPostMigrateDir) {
			return lint.PostDeploy
		}
	}
	return lint.PreDeploy
}

func newMigrateStatusCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [APP_DIR]",
		Short: "Show applied and pending migrations, pre and post, per file",
		Long: `status lists the app's migrations with whether each is applied, reading DATABASE_URL from the
environment, the app's cutover.toml [env], or else the live release's environment (its config vars)
when a daemon answers. APP_DIR defaults to the current directory.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			app := "."
			if len(args) == 1 {
				app = args[0]
			}
			cfg, err := migrateConfig(app)
			if errors.Is(err, errNoDatabaseURL) {
				cfg, err = withLiveDatabase(cmd.Context(), g, app, err)
			}
			if err != nil {
				return err
			}
			files, err := migrate.Status(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, files)
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PHASE\tFILE\tSTATUS\tAPPLIED AT")
			for _, f := range files {
				status, at := "pending", "-"
				switch {
				case f.Missing:
					status = "applied, file missing"
				case f.Modified:
					status = "applied, changed since"
				case f.Applied:
					status = "applied"
				}
				if f.Applied {
					at = f.AppliedAt.Local().Format("2006-01-02 15:04:05")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Phase, f.Name, status, at)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// errNoDatabaseURL is migrateConfig's error when neither the environment nor cutover.toml gives
// DATABASE_URL.
var errNoDatabaseURL = errors.New("DATABASE_URL is not set")

// withLiveDatabase is the runner's view of the app in dir with the DATABASE_URL of the live release
// (a config var, as most apps have it), when a daemon answers and has one; else noURL.
func withLiveDatabase(ctx context.Context, g *globals, dir string, noURL error) (migrate.Config, error) {
	env, err := g.client().RunEnv(ctx)
	if err != nil {
		return migrate.Config{}, noURL
	}
	for _, kv := range env.Env {
		if v, ok := strings.CutPrefix(kv, "DATABASE_URL="); ok && v != "" {
			return migrateConfigFrom(dir, v)
		}
	}
	return migrate.Config{}, noURL
}

// migrateConfig is the runner's view of the app in dir: its folders and DATABASE_URL.
func migrateConfig(dir string) (migrate.Config, error) {
	return migrateConfigFrom(dir, os.Getenv("DATABASE_URL"))
}

// migrateConfigFrom is migrateConfig with url for DATABASE_URL, unless cutover.toml [env] sets it.
func migrateConfigFrom(dir, url string) (migrate.Config, error) {
	file, err := config.Load(dir)
	if err != nil {
		return migrate.Config{}, err
	}
	cfg := config.Defaults().Merge(file)
	if err := hasMigrations(dir, cfg.Migrations); err != nil {
		return migrate.Config{}, err
	}
	if v, ok := cfg.Env["DATABASE_URL"]; ok {
		url = v
	}
	if url == "" {
		return migrate.Config{}, fmt.Errorf("%w: export it, set it in %s [env], or as a config var of the app (`cutover config set DATABASE_URL=...`) with its daemon running",
			errNoDatabaseURL, filepath.Join(dir, config.FileName))
	}
	return migrate.Config{AppDir: dir, PreDir: cfg.Migrations.PreDir, PostDir: cfg.Migrations.PostDir, DatabaseURL: url}, nil
}

// hasMigrations checks that dir is an app with a migrations folder, so that a command run in the
// wrong place says so rather than asking for a database.
func hasMigrations(dir string, m config.Migrations) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s is not a directory: give the app directory, e.g. `cutover migrate status ./myapp`", dir)
	}
	for _, sub := range []string{m.PreDir, m.PostDir} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err == nil && fi.IsDir() {
			return nil
		}
	}
	what := "no app here"
	if _, err := os.Stat(filepath.Join(dir, "Procfile")); err == nil {
		what = "the app has no migrations"
	}
	abs, _ := filepath.Abs(dir)
	return fmt.Errorf("%s: %s has neither %s nor %s; give the app directory, e.g. `cutover migrate status ./myapp`",
		what, abs, m.PreDir, m.PostDir)
}
