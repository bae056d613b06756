package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cutover-dev/cutover/internal/migrate/capture"
	"github.com/cutover-dev/cutover/internal/migrate/lint"
	"github.com/cutover-dev/cutover/internal/procfile"
)

// StepCheck is the step that runs the release and postdeploy commands on a scratch copy of the
// database's schema and lints the SQL they send.
const StepCheck = "check release command"

// skipAdvice ends every error of the check: how to deploy anyway, and that it is recorded.
const skipAdvice = "fix that, or deploy with --skip-check (recorded in the release) if you must deploy now"

// check runs the Procfile's release command, then its postdeploy command, against a throwaway copy
// of the database's schema, and lints every statement PostgreSQL received there: what a Rails,
// Django or Alembic migration really sends, named by its file. An error finding stops the deploy
// before the real release phase; the real database is only read (pg_dump).
func (r *run) check(ctx context.Context) error {
	release, _ := r.pf.Get(procfile.Release)
	post, _ := r.pf.Get(procfile.Postdeploy)
	if release.Command == "" && post.Command == "" {
		r.info("no release or postdeploy command to check")
		return nil
	}
	if r.req.SkipCheck {
		w := "the release command's SQL was not checked: deployed with --skip-check"
		r.rel.Warnings = append(r.rel.Warnings, w)
		r.warn("%s", w)
		return nil
	}
	url := r.databaseURL()
	if url == "" {
		r.info("DATABASE_URL is not set, so there is no database to copy: the release command's SQL is not checked")
		return nil
	}
	checkDB := r.cfg.Migrations.CheckDatabase
	find := capture.FindBinaries
	if checkDB != "" {
		find = capture.FindClients // the copy is on the user's server: only pg_dump and psql here
	}
	root := r.d.PostgresRoot
	if root == "" {
		root = capture.DefaultInstallRoot
	}
	bin, err := find(root)
	if err != nil {
		return fmt.Errorf("cannot check the release command's SQL: %w; %s", err, skipAdvice)
	}
	command := release.Command
	if command == "" {
		command = "true" // only a postdeploy command
	}
	before, fpErr := capture.Fingerprint(ctx, url)
	res, err := capture.Capture(ctx, capture.Options{
		AppDir: r.rel.Dir, Command: command, Then: post.Command, DatabaseURL: url, CheckDatabase: checkDB, Binaries: bin,
		Env: r.spawner().environ(procfile.Release, 0), Timeout: time.Duration(r.cfg.ReleaseTimeout),
		ObserveLocks: true,
	})
	if err != nil {
		var re *capture.RunError
		if errors.As(err, &re) {
			return fmt.Errorf("%w\nto deploy without the check: --skip-check (recorded in the release)", err)
		}
		return fmt.Errorf("cannot check the release command's SQL: %w; %s", err, skipAdvice)
	}
	if after, err := capture.Fingerprint(ctx, url); fpErr == nil && err == nil && after != before {
		return fmt.Errorf("the real database's schema changed while the check ran the commands on a copy: they migrated " +
			"the real database, not the copy, so they do not take their database from DATABASE_URL (or the PG* variables), " +
			"which the check points at the copy (a DB_HOST of their own?). The real release phase did not run; look at " +
			"the real database's migrations before deploying again, and make the commands read DATABASE_URL")
	}
	r.checked = true
	n, migrations, own := 0, 0, 0
	for _, m := range res.Migrations {
		n += len(m.Statements)
		if m.Framework == "" {
			own += len(m.Statements)
			continue
		}
		migrations++
		if m.PostDeploy {
			r.postNames = append(r.postNames, m.Name())
		}
	}
	r.info("on a scratch copy of the schema, the commands ran %d migration(s) (%d statement(s)) and %d statement(s) of their own, such as the framework's bookkeeping (%s)",
		migrations, n-own, own, res.Duration.Round(time.Millisecond))
	if n == 0 {
		r.info("the commands sent no statement to the copy: nothing is pending, or they connect to a database other than $DATABASE_URL, which the check cannot see")
	}
	findings, unlinted := capture.Lint(r.rel.Dir, res.Migrations, lint.Options{})
	if err := r.showFindings(StepCheck, findings); err != nil {
		return err
	}
	r.showLocks(res)
	if unlinted != nil {
		return fmt.Errorf("could not lint the SQL the release command sent: %w; %s", unlinted, skipAdvice)
	}
	return r.unsafe(findings, "the release command's migrations would break the release still serving or stall traffic (see above): "+
		"do the change in two releases as each finding says (a postdeploy: command in the Procfile runs once the old release has stopped), "+
		"silence a reviewed finding with a `cutover:ignore CODE reason: ...` comment in the migration file, or deploy with --allow-unsafe")
}

// showFindings tells the client each finding, one line per event of step.
func (r *run) showFindings(step string, findings []lint.Finding) error {
	return r.show(step, func(w io.Writer) error { return lint.Write(w, findings, "text") })
}

// show tells the client what write writes, one Output event of step per line that is not blank.
func (r *run) show(step string, write func(io.Writer) error) error {
	out := &lineWriter{emit: func(line string) {
		if line != "" {
			r.event(Event{Step: step, Kind: Output, Message: line})
		}
	}}
	defer out.Close()
	return write(out)
}

// showLocks tells the client the table locks the statements took when replayed on the copy, beside
// the linter's claim where they differ.
func (r *run) showLocks(res *capture.Result) {
	if res.LocksError != "" {
		r.info("could not observe the statements' locks on the copy: %s", res.LocksError)
	}
	r.show(StepCheck, func(w io.Writer) error { return capture.WriteLocks(w, res.Locks) })
}

// unsafe returns an error saying advice when findings hold an error that --allow-unsafe did not
// allow.
func (r *run) unsafe(findings []lint.Finding, advice string) error {
	if !lint.HasErrors(findings) {
		return nil
	}
	if r.req.AllowUnsafe {
		r.warn("unsafe migrations allowed by --allow-unsafe")
		return nil
	}
	return errors.New(advice)
}
