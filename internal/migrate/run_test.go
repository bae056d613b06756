package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func names(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}

func TestRunAppliesInNameOrderOnce(t *testing.T) {
	t.Parallel()
	cfg := newApp(t, map[string]string{
		"db/migrate/010_c.sql":      "INSERT INTO log (name) VALUES ('c');",
		"db/migrate/002_b.sql":      "INSERT INTO log (name) VALUES ('b');",
		"db/migrate/001_a.sql":      "CREATE TABLE log (n bigint GENERATED ALWAYS AS IDENTITY, name text);\nINSERT INTO log (name) VALUES ('a');",
		"db/post_migrate/001_z.sql": "INSERT INTO log (name) VALUES ('post');",
	})
	ctx := context.Background()
	var out bytes.Buffer
	applied, err := Run(ctx, cfg, PreDeploy, &out)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(applied), []string{"001_a.sql", "002_b.sql", "010_c.sql"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got applied %q, want %q", got, want)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for i, want := range []string{"applied db/migrate/001_a.sql in ", "applied db/migrate/002_b.sql in ", "applied db/migrate/010_c.sql in "} {
		if i >= len(lines) || !strings.HasPrefix(lines[i], want) {
			t.Errorf("got output %q, want line %d to start with %q", out.String(), i+1, want)
		}
	}
	conn := dbConn(t, cfg)
	rows, err := conn.Query(ctx, "SELECT name FROM log ORDER BY n")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got log %q, want %q: the post-deploy file must not run in the pre phase", got, want)
	}

	out.Reset()
	again, err := Run(ctx, cfg, PreDeploy, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 || out.Len() != 0 {
		t.Errorf("got %q applied and output %q on the second run, want nothing", names(again), out.String())
	}
	if n := queryInt(t, conn, "SELECT count(*) FROM log"); n != 3 {
		t.Errorf("got %d log rows after the second run, want 3", n)
	}
}

func TestRunStopsAtTheFailedFile(t *testing.T) {
	t.Parallel()
	cfg := newApp(t, map[string]string{
		"db/migrate/001_a.sql": "CREATE TABLE a (id int);",
		"db/migrate/002_b.sql": "CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\nINSERT INTO missing VALUES (1);\n",
		"db/migrate/003_c.sql": "CREATE TABLE c (id int);",
	})
	applied, err := Run(context.Background(), cfg, PreDeploy, nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *Error", err)
	}
	if got, want := names(applied), []string{"001_a.sql"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got applied %q, want %q", got, want)
	}
	want := Error{File: "db/migrate/002_b.sql", Line: 3, Statement: "INSERT INTO missing VALUES (1)",
		SQLState: "42P01", Message: `relation "missing" does not exist`, Attempts: 1}
	if e.File != want.File || e.Line != want.Line || e.Statement != want.Statement ||
		e.SQLState != want.SQLState || e.Message != want.Message || e.Attempts != want.Attempts || e.NoTransaction {
		t.Errorf("got %+v, want %+v", *e, want)
	}
	for _, s := range []string{"db/migrate/002_b.sql", "line 3", "SQLSTATE 42P01", `relation "missing" does not exist`,
		"INSERT INTO missing", "rolled back", "nothing after it ran"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("got error %q, want it to say %q", err, s)
		}
	}
	conn := dbConn(t, cfg)
	for table, want := range map[string]int{"a": 1, "b": 0, "c": 0} {
		if got := queryInt(t, conn, "SELECT count(*) FROM pg_tables WHERE tablename = $1", table); got != want {
			t.Errorf("got %d tables named %s, want %d", got, table, want)
		}
	}
	if got := queryInt(t, conn, "SELECT count(*) FROM cutover_schema_migrations"); got != 1 {
		t.Errorf("got %d recorded migrations, want 1", got)
	}
}

func TestRunReportsTheFailedStatement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		sql       string
		wantLine  int
		wantState string
		wantStmt  string
		wantNoTx  bool
	}{
		{
			name:      "error without a position: the statement that did not complete",
			sql:       "-- seed\nCREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1);\n\n/* again */\nINSERT INTO t\nVALUES (1);\nSELECT 1;\n",
			wantLine:  6,
			wantState: "23505",
			wantStmt:  "INSERT INTO t\nVALUES (1)",
		},
		{
			name:      "position counted in characters",
			sql:       "SELECT 'é', 'ü';\nSELECT\n  nope;\n",
			wantLine:  3,
			wantState: "42703",
			wantStmt:  "SELECT\n  nope",
		},
		{
			name:      "syntax error",
			sql:       "SELECT 1;\nSELEC 2;\n",
			wantLine:  2,
			wantState: "42601",
			wantStmt:  "SELEC 2",
		},
		{
			name:      "outside a transaction",
			sql:       "CREATE TABLE n (id int);\nCREATE INDEX CONCURRENTLY n_idx ON n (nope);\n",
			wantLine:  2,
			wantState: "42703",
			wantStmt:  "CREATE INDEX CONCURRENTLY n_idx ON n (nope)",
			wantNoTx:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := newApp(t, map[string]string{"db/migrate/001_x.sql": tt.sql})
			_, err := Run(context.Background(), cfg, PreDeploy, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if e.Line != tt.wantLine || e.SQLState != tt.wantState || e.Statement != tt.wantStmt || e.NoTransaction != tt.wantNoTx {
				t.Errorf("got line %d, SQLSTATE %s, statement %q, no transaction %v; want %d, %s, %q, %v (%v)",
					e.Line, e.SQLState, e.Statement, e.NoTransaction, tt.wantLine, tt.wantState, tt.wantStmt, tt.wantNoTx, err)
			}
		})
	}
}

func TestRunWithoutMigrationsNeedsNoDatabase(t *testing.T) {
	t.Parallel()
	applied, err := Run(context.Background(), Config{AppDir: t.TempDir()}, PreDeploy, nil)
	if err != nil || len(applied) != 0 {
		t.Errorf("got %q, %v; want nothing applied and no error", names(applied), err)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	t.Parallel()
	noDB := Config{AppDir: t.TempDir()}
	writeFile(t, noDB, "db/migrate/001_a.sql", "SELECT 1;")
	tests := []struct {
		name  string
		cfg   Config
		phase Phase
		want  string
	}{
		{"unknown phase", Config{AppDir: t.TempDir(), DatabaseURL: "postgres://127.0.0.1:1/x"}, "mid", "unknown migration phase"},
		{"no database", noDB, PreDeploy, "DATABASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), tt.cfg, tt.phase, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

// TestRunGivesUpOnASilentDatabase: a host that takes the connection and never answers fails the
// run with an error naming DATABASE_URL, not when the caller's context ends (it held the deploy).
func TestRunGivesUpOnASilentDatabase(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close() // accepted by the kernel's backlog, never answered
	cfg := Config{AppDir: t.TempDir(), DatabaseURL: "postgres://app@" + ln.Addr().String() + "/app?sslmode=disable",
		ConnectTimeout: 300 * time.Millisecond}
	writeFile(t, cfg, "db/migrate/001_a.sql", "SELECT 1;")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = Run(ctx, cfg, PreDeploy, io.Discard)
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("got %v (context: %v), want a connect error naming DATABASE_URL before the context ends", err, ctx.Err())
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	cfg := newApp(t, map[string]string{
		"db/migrate/001_add.sql":       "CREATE TABLE t (id int, old text, new text);",
		"db/migrate/002_index.sql":     "CREATE INDEX CONCURRENTLY t_new ON t (new);",
		"db/post_migrate/001_drop.sql": "ALTER TABLE t DROP COLUMN old;",
	})
	ctx := context.Background()
	summary := func() string {
		t.Helper()
		files, err := Status(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, f := range files {
			state := "pending"
			if f.Applied {
				state = "applied"
				if f.AppliedAt.IsZero() {
					t.Errorf("got %s applied with no time", f.Name)
				}
			}
			if f.Modified {
				state += ",modified"
			}
			if f.Missing {
				state += ",missing"
			}
			parts = append(parts, fmt.Sprintf("%s/%s:%s", f.Phase, f.Name, state))
		}
		return strings.Join(parts, " ")
	}
	steps := []struct {
		name string
		do   func()
		want string
	}{
		{"before any run, without the table", func() {},
			"pre/001_add.sql:pending pre/002_index.sql:pending post/001_drop.sql:pending"},
		{"after the pre-deploy run", func() { mustRun(t, cfg, PreDeploy) },
			"pre/001_add.sql:applied pre/002_index.sql:applied post/001_drop.sql:pending"},
		{"after the post-deploy run", func() { mustRun(t, cfg, PostDeploy) },
			"pre/001_add.sql:applied pre/002_index.sql:applied post/001_drop.sql:applied"},
		{"an applied file edited, another deleted", func() {
			writeFile(t, cfg, "db/migrate/001_add.sql", "CREATE TABLE t (id bigint);")
			if err := os.Remove(filepath.Join(cfg.AppDir, "db/migrate/002_index.sql")); err != nil {
				t.Fatal(err)
			}
		}, "pre/001_add.sql:applied,modified pre/002_index.sql:applied,missing post/001_drop.sql:applied"},
	}
	for _, step := range steps {
		step.do()
		if got := summary(); got != step.want {
			t.Errorf("%s: got %s, want %s", step.name, got, step.want)
		}
	}
}

// mustRun runs a phase or fails the test.
func mustRun(t *testing.T, cfg Config, p Phase) []File {
	t.Helper()
	applied, err := Run(context.Background(), cfg, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return applied
}

func TestMerge(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	files := []File{
		{Phase: PreDeploy, Name: "002_b.sql", Checksum: "b"},
		{Phase: PostDeploy, Name: "001_p.sql", Checksum: "p"},
	}
	recs := map[Phase]map[string]record{
		PreDeploy: {
			"001_a.sql": {Name: "001_a.sql", Phase: PreDeploy, Checksum: "a", AppliedAt: at},
			"002_b.sql": {Name: "002_b.sql", Phase: PreDeploy, Checksum: "old", AppliedAt: at},
		},
	}
	want := []File{
		{Phase: PreDeploy, Name: "001_a.sql", Checksum: "a", Applied: true, AppliedAt: at, Missing: true},
		{Phase: PreDeploy, Name: "002_b.sql", Checksum: "b", Applied: true, AppliedAt: at, Modified: true},
		{Phase: PostDeploy, Name: "001_p.sql", Checksum: "p"},
	}
	if got := merge(files, recs); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
