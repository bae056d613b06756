package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cutover-dev/cutover/internal/pgtest"
)

// checkApp writes an app whose release command runs sql with psql on $DATABASE_URL and records a
// Rails migration.
func checkApp(t *testing.T, sql string) string {
	t.Helper()
	app := t.TempDir()
	files := map[string]string{
		"Procfile":    "web: true\nrelease: psql \"$DATABASE_URL\" -X -q -v ON_ERROR_STOP=1 -f release.sql\n",
		"release.sql": "BEGIN;\n" + sql + "\nINSERT INTO \"schema_migrations\" (\"version\") VALUES ('20261205120000');\nCOMMIT;\n",
		"db/migrate/20261205120000_change_posts.rb": "",
	}
	for name, content := range files {
		p := filepath.Join(app, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return app
}

// TestMigrateCheck runs the check on a real database whose every statement is logged, and checks
// the findings, the exit status, and that the real database received no DDL or write.
func TestMigrateCheck(t *testing.T) {
	cluster := pgtest.Start(t)
	url := cluster.NewDatabase(t)
	pgtest.Exec(t, url, `CREATE TABLE posts (id bigserial PRIMARY KEY, title text, body text);
		INSERT INTO posts (title, body) VALUES ('a', 'b');
		CREATE TABLE schema_migrations (version varchar PRIMARY KEY)`)
	pgtest.Exec(t, url, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET log_statement = ''all''', current_database()); END $$`)
	tests := []struct {
		name, sql  string
		want       int
		wantStdout []string
	}{
		{"safe", "ALTER TABLE posts ADD COLUMN subtitle text;", 0, nil},
		{"drop a column", "ALTER TABLE posts DROP COLUMN body;", ExitLintErrors,
			[]string{"db/migrate/20261205120000_change_posts.rb:2: error CO101", `self.ignored_columns += ["body"]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DATABASE_URL", url)
			var stdout, stderr bytes.Buffer
			got := Run([]string{"migrate", "check", checkApp(t, tt.sql)}, &stdout, &stderr)
			if got != tt.want {
				t.Fatalf("got exit status %d, want %d; stdout:\n%s\nstderr:\n%s", got, tt.want, &stdout, &stderr)
			}
			for _, w := range tt.wantStdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("got stdout %q, want it to contain %q", &stdout, w)
				}
			}
		})
	}
	t.Run("a release command that sends nothing", func(t *testing.T) {
		t.Setenv("DATABASE_URL", url)
		app := checkApp(t, "")
		if err := os.WriteFile(filepath.Join(app, "Procfile"), []byte("release: true\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if got := Run([]string{"migrate", "check", app}, &stdout, &stderr); got != 0 {
			t.Fatalf("got exit status %d, want 0; stderr:\n%s", got, &stderr)
		}
		if want := "sent no statement to the copy"; !strings.Contains(stderr.String(), want) {
			t.Errorf("got stderr %q, want it to contain %q", &stderr, want)
		}
	})
	log, err := os.ReadFile(cluster.LogFile())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "COPY public.schema_migrations") {
		t.Fatalf("the real database's log does not show pg_dump's statements: is log_statement on?\n%s", log)
	}
	if m := regexp.MustCompile(`(?i)statement: +(ALTER|CREATE|DROP|INSERT|UPDATE|DELETE|TRUNCATE|COMMENT)\b.*`).FindAllString(string(log), -1); len(m) > 0 {
		t.Errorf("the real database received writes from the check: %q", m)
	}
}

func TestMigrateCheckBadInput(t *testing.T) {
	noProcfile := t.TempDir()
	tests := []struct {
		name, app, url string
		want           int
		wantStderr     string
	}{
		{"no DATABASE_URL", checkApp(t, "SELECT 1;"), "", ExitLintIncomplete, "DATABASE_URL is not set"},
		{"unreachable database", checkApp(t, "SELECT 1;"), "postgres://u@127.0.0.1:1/app?sslmode=disable&connect_timeout=5",
			ExitLintIncomplete, "the app's database is unreachable"},
		{"no Procfile", noProcfile, "postgres://u@127.0.0.1:1/app", ExitLintIncomplete, "Procfile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DATABASE_URL", tt.url)
			var stdout, stderr bytes.Buffer
			got := Run([]string{"migrate", "check", tt.app}, &stdout, &stderr)
			if got != tt.want || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("got exit status %d, stderr %q; want %d and %q", got, &stderr, tt.want, tt.wantStderr)
			}
		})
	}
}

// With [migrations] check_database, the check runs on a scratch database on that server, which is
// dropped afterwards; a wrong password there is exit status 2 with an error that hides it.
func TestMigrateCheckOnCheckDatabase(t *testing.T) {
	cluster := pgtest.Start(t)
	url := cluster.NewDatabase(t)
	pgtest.Exec(t, url, `CREATE TABLE posts (id bigserial PRIMARY KEY, title text, body text);
		CREATE TABLE schema_migrations (version varchar PRIMARY KEY)`)
	pgtest.Exec(t, cluster.URL("postgres"), "SET password_encryption = 'scram-sha-256'; CREATE ROLE checker LOGIN CREATEDB PASSWORD 'pw'")
	requirePassword(t, cluster.URL("postgres"), "checker")
	t.Setenv("DATABASE_URL", url)
	server := strings.Replace(cluster.URL("postgres"), "postgres@", "checker:pw@", 1)
	for _, tt := range []struct {
		name, server string
		want         int
		wantStderr   string
	}{
		{"drop a column", server, ExitLintErrors, "statements in"},
		{"wrong password", strings.Replace(server, ":pw@", ":nope@", 1), ExitLintIncomplete, "check_database"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app := checkApp(t, "ALTER TABLE posts DROP COLUMN body;")
			procfile := "release: psql -X -At -c 'SELECT current_database()' > db.txt && " +
				"psql \"$DATABASE_URL\" -X -q -v ON_ERROR_STOP=1 -f release.sql\n"
			os.WriteFile(filepath.Join(app, "Procfile"), []byte(procfile), 0o644)
			os.WriteFile(filepath.Join(app, "cutover.toml"), []byte("[migrations]\ncheck_database = \""+tt.server+"\"\n"), 0o644)
			var stdout, stderr bytes.Buffer
			got := Run([]string{"migrate", "check", app}, &stdout, &stderr)
			if got != tt.want || !strings.Contains(stderr.String(), tt.wantStderr) || strings.Contains(stderr.String(), "nope") {
				t.Fatalf("got exit status %d, stderr %q; want %d and %q, no password", got, &stderr, tt.want, tt.wantStderr)
			}
			if got != ExitLintErrors {
				return
			}
			if db, _ := os.ReadFile(filepath.Join(app, "db.txt")); !strings.HasPrefix(string(db), "cutover_check_") {
				t.Errorf("the release command ran on %q, want a scratch database on the check server", db)
			}
			if !strings.Contains(stdout.String(), "db/migrate/20261205120000_change_posts.rb:2: error CO101") {
				t.Errorf("got stdout %q, want CO101 on the migration", &stdout)
			}
		})
	}
	conn, err := pgx.Connect(context.Background(), cluster.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var left int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_database WHERE datname LIKE 'cutover_check_%'").Scan(&left); err != nil || left != 0 {
		t.Errorf("got %d scratch databases left (%v), want 0", left, err)
	}
}

// requirePassword makes the cluster at admin ask role for its password (SCRAM) over TCP.
func requirePassword(t *testing.T, admin, role string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var hba string
	if err := conn.QueryRow(context.Background(), "SHOW hba_file").Scan(&hba); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(hba)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hba, append([]byte("host all "+role+" 127.0.0.1/32 scram-sha-256\n"), old...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), "SELECT pg_reload_conf()"); err != nil {
		t.Fatal(err)
	}
}
