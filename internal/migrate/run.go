package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
)

// Run applies the pending migrations of one phase, in file name order, and returns the files it
// applied. A phase with no files needs no database and returns at once. Otherwise Run holds the
// migration lock for the whole run, so a concurrent Run waits (up to
// Config.AdvisoryLockWait, then ErrLocked). It writes one line per applied file to out (nil
// discards them). The first file that fails stops the run with an *Error; the files before it stay
// applied and are returned.
func Run(ctx context.Context, cfg Config, phase Phase, out io.Writer) (applied []File, err error) {
	cfg = cfg.withDefaults()
	if err := phase.check(); err != nil {
		return nil, err
	}
	if out == nil {
		out = io.Discard
	}
	files, err := discoverPhase(cfg, phase)
	if err != nil || len(files) == 0 {
		// An app without migrations needs no database.
		return nil, err
	}
	conn, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer closeConn(ctx, conn) // also releases the advisory lock, whatever happened
	if err := lock(ctx, conn, cfg); err != nil {
		return nil, err
	}
	if err := createTable(ctx, conn, cfg); err != nil {
		return nil, err
	}
	recs, err := loadRecords(ctx, conn, cfg)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if r, ok := recs[phase][f.Name]; ok {
			if r.Checksum != f.Checksum {
				cfg.Logger.Warn("applied migration changed on disk; the change will not run, add a new file instead",
					"file", cfg.display(f.Path), "applied_at", r.AppliedAt)
				fmt.Fprintf(out, "warning: %s was applied on %s and has changed since: the change will not run; add a new file instead\n",
					cfg.display(f.Path), r.AppliedAt.UTC().Format(time.DateTime))
			}
			continue
		}
		start := time.Now()
		if err := apply(ctx, conn, cfg, f, out); err != nil {
			return applied, err
		}
		took := time.Since(start)
		fmt.Fprintf(out, "applied %s in %s\n", cfg.display(f.Path), took.Round(time.Millisecond))
		cfg.Logger.Debug("migration applied", "file", cfg.display(f.Path), "duration", took)
		f.Applied, f.AppliedAt = true, time.Now()
		applied = append(applied, f)
	}
	return applied, nil
}

// Status lists the migrations of both phases, as Discover does, with their applied state from the
// migrations table (a missing table means nothing was applied). Files applied but changed since
// are Modified; files applied but no longer on disk are listed as Missing.
func Status(ctx context.Context, cfg Config) ([]File, error) {
	cfg = cfg.withDefaults()
	files, err := Discover(cfg)
	if err != nil {
		return nil, err
	}
	conn, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer closeConn(ctx, conn)
	recs, err := loadRecords(ctx, conn, cfg)
	if err != nil {
		return nil, err
	}
	return merge(files, recs), nil
}

// merge marks discovered files applied from their records and adds records with no file.
func merge(files []File, recs map[Phase]map[string]record) []File {
	var out []File
	for _, p := range []Phase{PreDeploy, PostDeploy} {
		seen := map[string]bool{}
		var phase []File
		for _, f := range files {
			if f.Phase != p {
				continue
			}
			seen[f.Name] = true
			if r, ok := recs[p][f.Name]; ok {
				f.Applied, f.AppliedAt, f.Modified = true, r.AppliedAt, r.Checksum != f.Checksum
			}
			phase = append(phase, f)
		}
		for name, r := range recs[p] {
			if !seen[name] {
				phase = append(phase, File{Phase: p, Name: name, Applied: true, AppliedAt: r.AppliedAt,
					Checksum: r.Checksum, Missing: true})
			}
		}
		sortByName(phase)
		out = append(out, phase...)
	}
	return out
}

// connect opens a session to the app's database.
func connect(ctx context.Context, cfg Config) (*pgx.Conn, error) {
	if cfg.DatabaseURL == "" {
		return nil, errors.New("no database to migrate: set DATABASE_URL for the app")
	}
	pc, err := pgx.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("read DATABASE_URL: %w", err)
	}
	if pc.ConnectTimeout == 0 {
		pc.ConnectTimeout = cfg.ConnectTimeout
	}
	conn, err := pgx.ConnectConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("connect to the app's database (check DATABASE_URL, and that the database is up and answers): %w", err)
	}
	return conn, nil
}

// closeConn ends the session, bounded by DefaultCleanupTimeout even when ctx was canceled.
func closeConn(ctx context.Context, conn *pgx.Conn) {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	conn.Close(cctx)
}
