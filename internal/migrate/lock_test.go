package migrate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestAdvisoryLockSerializesRuns holds run A inside its migration, then shows that run B either
// gives up with ErrLocked or waits for A and finds nothing left to do: never both migrating.
func TestAdvisoryLockSerializesRuns(t *testing.T) {
	t.Parallel()
	cfg := newApp(t, map[string]string{
		"db/migrate/001_wait.sql": "SELECT pg_advisory_xact_lock(42);\nINSERT INTO ran VALUES ('migration');",
	})
	cfg.LockTimeout = testTimeout // A must wait for lock 42 for as long as the test holds it
	holder := dbConn(t, cfg)
	mustExec(t, holder, "CREATE TABLE ran (who text)")
	mustExec(t, holder, "SELECT pg_advisory_lock(42)")
	const waiting = `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
		AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = $3
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`
	ctx := context.Background()

	type result struct {
		applied []File
		err     error
	}
	runA := make(chan result, 1)
	go func() {
		applied, err := Run(ctx, cfg, PreDeploy, nil)
		runA <- result{applied, err}
	}()
	waitUntil(t, holder, 1, waiting, 0, 42, 1) // A holds the migration lock and waits inside its file

	impatient := cfg
	impatient.AdvisoryLockWait = 50 * time.Millisecond
	applied, err := Run(ctx, impatient, PreDeploy, nil)
	if !errors.Is(err, ErrLocked) || len(applied) != 0 {
		t.Fatalf("got %q applied and error %v, want nothing applied and ErrLocked", names(applied), err)
	}
	if !strings.Contains(err.Error(), "another deploy is migrating") {
		t.Errorf("got %q, want it to say another deploy is migrating", err)
	}

	patient := cfg
	patient.AdvisoryLockWait = testTimeout
	runB := make(chan result, 1)
	go func() {
		applied, err := Run(ctx, patient, PreDeploy, nil)
		runB <- result{applied, err}
	}()
	key := AdvisoryLockKey
	waitUntil(t, holder, 1, waiting, int64(uint32(key>>32)), int64(uint32(key)), 1) // B queues for the migration lock
	mustExec(t, holder, "SELECT pg_advisory_unlock(42)")

	a, b := <-runA, <-runB
	if a.err != nil || len(a.applied) != 1 {
		t.Errorf("got run A %q, %v; want 001_wait.sql applied", names(a.applied), a.err)
	}
	if b.err != nil || len(b.applied) != 0 {
		t.Errorf("got run B %q, %v; want nothing left to apply after A", names(b.applied), b.err)
	}
	if n := queryInt(t, holder, "SELECT count(*) FROM ran"); n != 1 {
		t.Errorf("got the migration run %d times, want once", n)
	}
}
