package migrate

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// record is one row of the migrations table.
type record struct {
	Name      string
	Phase     Phase
	Checksum  string
	AppliedAt time.Time
}

// createTable makes the migrations table if it is missing. Run calls it while holding the advisory
// lock, so two runs never race to create it.
func createTable(ctx context.Context, conn *pgx.Conn, cfg Config) error {
	_, err := conn.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
	name text NOT NULL,
	phase text NOT NULL CHECK (phase IN ('pre', 'post')),
	checksum text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	duration interval NOT NULL,
	PRIMARY KEY (phase, name)
)`, cfg.table()))
	if err != nil {
		return fmt.Errorf("create the migrations table %s: %w", cfg.Table, err)
	}
	return nil
}

// loadRecords reads the applied migrations of all phases, keyed by phase and name. A missing
// table means nothing was applied yet.
func loadRecords(ctx context.Context, conn *pgx.Conn, cfg Config) (map[Phase]map[string]record, error) {
	byPhase := map[Phase]map[string]record{PreDeploy: {}, PostDeploy: {}}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", cfg.table()).Scan(&exists); err != nil {
		return nil, fmt.Errorf("look for the migrations table %s: %w", cfg.Table, err)
	}
	if !exists {
		return byPhase, nil
	}
	rows, err := conn.Query(ctx, fmt.Sprintf("SELECT name, phase, checksum, applied_at FROM %s", cfg.table()))
	if err != nil {
		return nil, fmt.Errorf("read the migrations table %s: %w", cfg.Table, err)
	}
	recs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[record])
	if err != nil {
		return nil, fmt.Errorf("read the migrations table %s: %w", cfg.Table, err)
	}
	for _, r := range recs {
		if byPhase[r.Phase] == nil {
			byPhase[r.Phase] = map[string]record{}
		}
		byPhase[r.Phase][r.Name] = r
	}
	return byPhase, nil
}

// execer is what insertRecord needs: a file's transaction, or the session for a file that ran
// outside one.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// insertRecord records f as applied.
func insertRecord(ctx context.Context, q execer, cfg Config, f File, took time.Duration) error {
	_, err := q.Exec(ctx, fmt.Sprintf("INSERT INTO %s (name, phase, checksum, duration) VALUES ($1, $2, $3, $4)",
		cfg.table()), f.Name, string(f.Phase), f.Checksum, took)
	if err != nil {
		return fmt.Errorf("record %s as applied: %w", f.Name, err)
	}
	return nil
}
