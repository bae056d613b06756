package migrate

import (
	"context"
	"errors"
	"testing"
	"time"
)

// queryCanceled is PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout.
const queryCanceled = "57014"

// TestStatementTimeoutCancelsASlowMigration: a migration that runs longer than the configured
// statement_timeout is cancelled by PostgreSQL and not recorded. pg_sleep(60) outlives the test's
// deadline, so a runner that did not set the timeout fails the test instead of passing late.
func TestStatementTimeoutCancelsASlowMigration(t *testing.T) {
	t.Parallel()
	cfg := newApp(t, map[string]string{"db/migrate/001_slow.sql": "SELECT pg_sleep(60);"})
	cfg.StatementTimeout = 100 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	applied, err := Run(ctx, cfg, PreDeploy, nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *Error", err)
	}
	if e.SQLState != queryCanceled || len(applied) != 0 {
		t.Errorf("got SQLSTATE %s with %d applied, want %s (statement_timeout) with none", e.SQLState, len(applied), queryCanceled)
	}
	if n := queryInt(t, dbConn(t, cfg), "SELECT count(*) FROM cutover_schema_migrations"); n != 0 {
		t.Errorf("got %d recorded migrations, want 0", n)
	}
}
