package migrate

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// lockRetryCase is a migration that needs a lock on table busy, which the test holds.
type lockRetryCase struct {
	name  string
	sql   string
	check string // a count query that returns 1 once the file applied
}

var lockRetryCases = []lockRetryCase{
	{
		name:  "in a transaction",
		sql:   "CREATE TABLE fresh (id int);\nALTER TABLE busy ADD COLUMN note text;",
		check: "SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'note'",
	},
	{
		// Had the retry started over, CREATE TABLE fresh would fail: it took effect already.
		name:  "outside a transaction, resuming at the statement that timed out",
		sql:   "CREATE TABLE fresh (id int);\nCREATE INDEX CONCURRENTLY busy_id ON busy (id);",
		check: "SELECT count(*) FROM pg_index WHERE indexrelid = 'busy_id'::regclass AND indisvalid",
	},
	{
		// The file's own transaction was rolled back, so the retry starts again at its BEGIN.
		name:  "in the file's own transaction, resuming at its BEGIN",
		sql:   "CREATE TABLE before (id int);\nBEGIN;\nCREATE TABLE fresh (id int);\nALTER TABLE busy ADD COLUMN note text;\nCOMMIT;",
		check: "SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'note'",
	},
}

// lockedApp is an app with one migration, sql, whose runner has the given lock settings and logs to
// rec, while holder's open transaction holds an ACCESS EXCLUSIVE lock on table busy (rolled back at
// cleanup, or earlier by the test).
func lockedApp(t *testing.T, sql string, timeout time.Duration, retries int, delay time.Duration) (Config, *recorder, *pgx.Conn, pgx.Tx) {
	t.Helper()
	cfg := newApp(t, map[string]string{"db/migrate/001_x.sql": sql})
	rec := newRecorder()
	cfg.Logger = slog.New(rec)
	cfg.LockTimeout, cfg.LockRetries, cfg.LockRetryDelay = timeout, retries, delay
	holder := dbConn(t, cfg)
	mustExec(t, holder, "CREATE TABLE busy (id int)")
	tx, err := holder.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(context.Background()) })
	mustExec(t, tx.Conn(), "LOCK TABLE busy IN ACCESS EXCLUSIVE MODE")
	return cfg, rec, holder, tx
}

func TestLockTimeoutIsRetriedUntilTheLockIsFree(t *testing.T) {
	t.Parallel()
	for _, tt := range lockRetryCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, rec, holder, tx := lockedApp(t, tt.sql, 50*time.Millisecond, 50, 10*time.Millisecond)
			ctx := context.Background()

			done := make(chan error, 1)
			go func() {
				_, err := Run(ctx, cfg, PreDeploy, nil)
				done <- err
			}()
			for retried := false; !retried; {
				select {
				case msg := <-rec.signal:
					retried = msg == "migration lock timeout, retrying"
				case err := <-done:
					t.Fatalf("got the run finished (%v) while the lock was held, want it retrying", err)
				case <-time.After(testTimeout):
					t.Fatal("no retry was logged")
				}
			}
			if err := tx.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("got %v, want the run to succeed once the lock is free", err)
			}
			if n := rec.count("migration lock timeout, retrying"); n < 1 {
				t.Errorf("got %d retries logged, want at least 1", n)
			}
			if n := queryInt(t, holder, tt.check); n != 1 {
				t.Errorf("got %d from %s, want 1: the migration did not take effect", n, tt.check)
			}
		})
	}
}

func TestLockTimeoutGivesUpAfterTheRetries(t *testing.T) {
	t.Parallel()
	for _, tt := range lockRetryCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, rec, holder, _ := lockedApp(t, tt.sql, 20*time.Millisecond, 2, 5*time.Millisecond)
			ctx := context.Background()

			applied, err := Run(ctx, cfg, PreDeploy, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if e.SQLState != lockNotAvailable || e.Attempts != 3 || len(applied) != 0 {
				t.Errorf("got SQLSTATE %s after %d attempts with %d applied, want %s after 3 with none",
					e.SQLState, e.Attempts, len(applied), lockNotAvailable)
			}
			if n := rec.count("migration lock timeout, retrying"); n != 2 {
				t.Errorf("got %d retries logged, want 2", n)
			}
			for _, s := range []string{"db/migrate/001_x.sql", "lock timeout", "after 3 attempts", "nothing after it ran"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("got %q, want it to say %q", err, s)
				}
			}
			if n := queryInt(t, holder, "SELECT count(*) FROM cutover_schema_migrations"); n != 0 {
				t.Errorf("got %d recorded migrations, want 0", n)
			}
		})
	}
}

func TestRetriesStopWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	cfg := Config{LockRetries: 5, LockRetryDelay: time.Hour, Logger: slog.New(newRecorder())}.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	tries := 0
	err := withRetries(ctx, cfg, io.Discard, func(context.Context) error {
		tries++
		cancel()
		return &Error{File: "x.sql", SQLState: lockNotAvailable}
	})
	if !errors.Is(err, context.Canceled) || tries != 1 {
		t.Errorf("got %v after %d tries, want context.Canceled after 1", err, tries)
	}
}

func TestRetryDelayDoublesUpToItsCap(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	cfg := Config{LockRetries: 6, LockRetryDelay: time.Millisecond, Logger: slog.New(delayRecorder{rec})}.withDefaults()
	var out strings.Builder
	err := withRetries(context.Background(), cfg, &out, func(context.Context) error {
		return &Error{File: "x.sql", Line: 3, SQLState: lockNotAvailable}
	})
	var e *Error
	if !errors.As(err, &e) || e.Attempts != 7 {
		t.Fatalf("got %v, want an *Error after 7 attempts", err)
	}
	if n := strings.Count(out.String(), "x.sql line 3 waited 5s for a lock another transaction holds"); n != 6 {
		t.Errorf("the deploy's output said %d retries, want 6:\n%s", n, out.String())
	}
	got := strings.Join(rec.msgs, " ")
	if want := "1ms 2ms 4ms 8ms 8ms 8ms"; got != want {
		t.Errorf("got delays %s, want %s", got, want)
	}
}

// delayRecorder records the delay attribute of each retry instead of its message.
type delayRecorder struct{ *recorder }

func (d delayRecorder) Handle(ctx context.Context, rec slog.Record) error {
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "delay" {
			d.recorder.Handle(ctx, slog.NewRecord(rec.Time, rec.Level, a.Value.Duration().String(), 0))
		}
		return true
	})
	return nil
}
