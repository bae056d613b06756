package migrate

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// lock takes the migration advisory lock on the session, waiting at most cfg.AdvisoryLockWait.
// lock_timeout applies to advisory locks too, so the wait needs no polling.
func lock(ctx context.Context, conn *pgx.Conn, cfg Config) error {
	set := fmt.Sprintf("SET lock_timeout = %d", millis(cfg.AdvisoryLockWait))
	if _, err := conn.Exec(ctx, set); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	_, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", AdvisoryLockKey)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == lockNotAvailable {
		return fmt.Errorf("%w: its lock (pg_advisory_lock(%d)) was held for more than %s; "+
			"let that deploy finish, or find the holder in pg_locks (locktype 'advisory') and "+
			"pg_stat_activity", ErrLocked, AdvisoryLockKey, cfg.AdvisoryLockWait)
	}
	if err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if _, err := conn.Exec(ctx, "RESET lock_timeout"); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	return nil
}
