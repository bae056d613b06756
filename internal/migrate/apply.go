package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// apply runs one file, trying again after lock timeouts (said on out), and records it as applied.
func apply(ctx context.Context, conn *pgx.Conn, cfg Config, f File, out io.Writer) error {
	if NeedsNoTransaction(f.sql) {
		return withRetries(ctx, cfg, out, newSessionRun(conn, cfg, f).attempt)
	}
	return withRetries(ctx, cfg, out, func(ctx context.Context) error { return applyInTx(ctx, conn, cfg, f) })
}

// withRetries calls attempt until it succeeds, fails with something other than a lock timeout, or
// has hit lock timeouts 1+cfg.LockRetries times. The wait between tries doubles, up to
// maxRetryDelayFactor times cfg.LockRetryDelay. Each retry is said on out, as it is logged.
func withRetries(ctx context.Context, cfg Config, out io.Writer, attempt func(context.Context) error) error {
	delay := cfg.LockRetryDelay
	for try := 1; ; try++ {
		err := attempt(ctx)
		var e *Error
		if !errors.As(err, &e) {
			return err
		}
		e.Attempts = try
		if e.SQLState != lockNotAvailable || try > cfg.LockRetries || e.stuck {
			return e
		}
		cfg.Logger.Warn("migration lock timeout, retrying", "file", e.File, "line", e.Line,
			"attempt", try, "retries", cfg.LockRetries, "delay", delay)
		fmt.Fprintf(out, "%s line %d waited %s for a lock another transaction holds (attempt %d of %d): trying again in %s\n",
			e.File, e.Line, cfg.LockTimeout, try, 1+cfg.LockRetries, delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("migration %s: gave up retrying after a lock timeout: %w", e.File, ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, maxRetryDelayFactor*cfg.LockRetryDelay)
	}
}

// applyInTx runs f as one multi-statement simple-protocol query inside a transaction that also
// records it, so the file is applied entirely or not at all.
func applyInTx(ctx context.Context, conn *pgx.Conn, cfg Config, f File) error {
	fail := func(err error, done int) error {
		spans, ok := statements(f.sql)
		if !ok {
			spans = nil
		}
		return newError(cfg, f, err, spans, failure{stmt: done, sent: f.sql}, false)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fail(err, -1)
	}
	// After a successful Commit this is a no-op; after a failure it ends the aborted transaction.
	defer func() {
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		tx.Rollback(cctx)
	}()

	timeouts := fmt.Sprintf("SET LOCAL lock_timeout = %d; SET LOCAL statement_timeout = %d",
		millis(cfg.LockTimeout), millis(cfg.StatementTimeout))
	if err := conn.PgConn().Exec(ctx, timeouts).Close(); err != nil {
		return fail(err, -1)
	}
	start := time.Now()
	if done, err := execCounting(ctx, conn.PgConn(), f.sql); err != nil {
		return fail(err, done)
	}
	if err := insertRecord(ctx, tx, cfg, f, time.Since(start)); err != nil {
		return fail(err, -1)
	}
	if err := tx.Commit(ctx); err != nil {
		return fail(err, -1)
	}
	return nil
}

// execCounting sends sql as one simple-protocol query and returns how many of its statements
// completed before an error, which tells which statement failed when PostgreSQL gives no position.
func execCounting(ctx context.Context, pg *pgconn.PgConn, sql string) (done int, err error) {
	mrr := pg.Exec(ctx, sql)
	for mrr.NextResult() {
		if _, err := mrr.ResultReader().Close(); err != nil {
			mrr.Close()
			return done, err
		}
		done++
	}
	return done, mrr.Close()
}

// millis converts a timeout to whole milliseconds for SET, never 0, which would mean no timeout.
func millis(d time.Duration) int64 {
	return max(1, d.Milliseconds())
}

// cleanupContext bounds a ROLLBACK or RESET after a failure by DefaultCleanupTimeout, even when
// ctx was canceled: the session must not be left inside a transaction.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), DefaultCleanupTimeout)
}
