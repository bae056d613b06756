package deploy

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cutover-dev/cutover/internal/migrate"
	"github.com/cutover-dev/cutover/internal/migrate/lint"
)

// migrations is the app's SQL migrations as the runner sees them.
func (r *run) migrations() migrate.Config {
	return migrate.Config{
		AppDir:      r.rel.Dir,
		PreDir:      r.cfg.Migrations.PreDir,
		PostDir:     r.cfg.Migrations.PostDir,
		DatabaseURL: r.databaseURL(),
		Logger:      r.d.logger(),
	}
}

// databaseURL is DATABASE_URL as the app sees it: a config var over cutover.toml's [env] over the
// daemon's environment.
func (r *run) databaseURL() string {
	if v, ok := r.vars.Vars["DATABASE_URL"]; ok {
		return v
	}
	if v, ok := r.cfg.Env["DATABASE_URL"]; ok {
		return v
	}
	for _, kv := range r.d.Env {
		if v, ok := strings.CutPrefix(kv, "DATABASE_URL="); ok {
			return v
		}
	}
	return ""
}

// pending is the app's migrations not yet applied, or nil when the app has none.
func (r *run) pending(ctx context.Context) ([]migrate.File, error) {
	cfg := r.migrations()
	files, err := migrate.Discover(cfg)
	if err != nil || len(files) == 0 {
		return nil, err
	}
	if cfg.DatabaseURL == "" {
		return nil, fmt.Errorf("the app has %d SQL migration(s) but DATABASE_URL is not set: set it as a config var (`cutover config set DATABASE_URL=postgres://…`) or in the daemon's environment", len(files))
	}
	all, err := migrate.Status(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var out []migrate.File
	for _, f := range all {
		if !f.Applied {
			out = append(out, f)
		}
	}
	return out, nil
}

// lint checks the pending migrations before anything runs: pre-deploy ones must not break the release
// that is still serving, and none may take a lock that stalls traffic.
func (r *run) lint(ctx context.Context) error {
	files, err := r.pending(ctx)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		r.info("no pending SQL migrations")
		return nil
	}
	// Pre-deploy files before post-deploy ones, as they run, so what one declares informs the next.
	var srcs []lint.Source
	for _, phase := range []migrate.Phase{migrate.PreDeploy, migrate.PostDeploy} {
		for _, f := range files {
			if f.Phase == phase {
				srcs = append(srcs, lint.Source{Path: f.Path, Phase: lint.Phase(phase)})
			}
		}
	}
	// cutover's runner wraps each file in a transaction when it can and sets lock_timeout itself. A
	// file that does not parse stops the deploy, but the other files' findings are shown too.
	findings, unlinted := lint.LintSources(srcs, lint.Options{InTransaction: true, RunnerSetsLockTimeout: true, Pending: true})
	for i := range findings { // named as in the app (db/migrate/002_x.sql), not in the state directory
		if rel, err := filepath.Rel(r.rel.Dir, findings[i].File); err == nil && !strings.HasPrefix(rel, "..") {
			findings[i].File = rel
		}
	}
	r.info("%d pending migration(s), %d finding(s)", len(files), len(findings))
	if err := r.showFindings("lint migrations", findings); err != nil {
		return err
	}
	if unlinted != nil {
		return fmt.Errorf("could not lint the pending migrations: %w", unlinted)
	}
	return r.unsafe(findings, fmt.Sprintf("pending migrations would break the release still serving or stall traffic (see above): split them into expand (%s) and contract (%s) steps, silence a reviewed finding with a `-- cutover:ignore CODE reason: ...` comment, or deploy with --allow-unsafe",
		r.cfg.Migrations.PreDir, r.cfg.Migrations.PostDir))
}

// preMigrate runs the pending pre-deploy (expand) migrations while the old release still serves.
func (r *run) preMigrate(ctx context.Context) error {
	_, err := r.runMigrations(ctx, migrate.PreDeploy, "pre-deploy migrations")
	return err
}

// postMigrate runs the pending post-deploy (contract) migrations once the old release has stopped.
// A failure leaves the new release serving; `cutover migrate status` shows what is pending.
func (r *run) postMigrate(ctx context.Context) error {
	applied, err := r.runMigrations(ctx, migrate.PostDeploy, "post-deploy migrations")
	for _, f := range applied {
		r.rel.Contract = append(r.rel.Contract, filepath.Join(r.cfg.Migrations.PostDir, f.Name))
	}
	if err != nil {
		return fmt.Errorf("%w (%s keeps serving; fix the migration and deploy again, `cutover migrate status` shows what is pending)", err, r.rel.ID)
	}
	return nil
}

func (r *run) runMigrations(ctx context.Context, phase migrate.Phase, step string) ([]migrate.File, error) {
	cfg := r.migrations()
	files, err := migrate.Discover(cfg)
	if err != nil || len(files) == 0 {
		return nil, err
	}
	out := r.output(step)
	defer out.Close()
	applied, err := migrate.Run(ctx, cfg, phase, out)
	if err == nil && len(applied) == 0 {
		r.info("nothing pending")
	}
	return applied, err
}
