package capture

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cutover-dev/cutover/internal/pgtest"
)

// migrationLines writes a capture's migrations as "name post=…: sql | sql".
func migrationLines(res *Result) []string {
	var got []string
	for _, m := range res.Migrations {
		var sqls []string
		for _, s := range m.Statements {
			sqls = append(sqls, s.SQL)
		}
		post := ""
		if m.PostDeploy {
			post = " (post-deploy)"
		}
		got = append(got, m.Name()+post+": "+strings.Join(sqls, " | "))
	}
	return got
}

// scratchDatabases counts the databases cutover made on the shared cluster and left there.
func scratchDatabases(t *testing.T) int {
	t.Helper()
	return pgtest.QueryInt(t, pgtest.Shared(t).URL("postgres"),
		"SELECT count(*) FROM pg_database WHERE datname LIKE '"+RemotePrefix+"%'")
}

// A Rails-like release and post-deploy command captured on the user's server (check_database)
// give the same migrations as on a private cluster, and the scratch database is gone afterwards.
func TestCaptureCheckDatabaseMatchesScratch(t *testing.T) {
	src, app := railsLikeApp(t, map[string]string{"db/post_migrate/20261205140000_add_slug.rb": ""})
	postdeploy := `psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
ALTER TABLE posts ADD COLUMN slug text;
INSERT INTO "schema_migrations" ("version") VALUES ('20261205140000');
SQL`
	opts := Options{AppDir: app, Command: railsLikeRelease, Then: postdeploy, DatabaseURL: src}
	local, err := Capture(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.CheckDatabase = checkServer(t)
	remote, err := Capture(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"db/migrate/20261205120000_remove_body_from_posts.rb: BEGIN | ALTER TABLE posts DROP COLUMN body",
		"db/migrate/20261205130000_index_posts_title.rb: CREATE INDEX CONCURRENTLY posts_title ON posts (title)",
		"release command: SELECT version FROM schema_migrations | COMMIT",
		"db/post_migrate/20261205140000_add_slug.rb (post-deploy): ALTER TABLE posts ADD COLUMN slug text",
	}
	if got := migrationLines(local); !reflect.DeepEqual(got, want) {
		t.Errorf("local scratch: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := migrationLines(remote); !reflect.DeepEqual(got, want) {
		t.Errorf("check_database: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(remote.Output, "migrated") {
		t.Errorf("output: got %q, want the command's echo", remote.Output)
	}
	if n := scratchDatabases(t); n != 0 {
		t.Errorf("got %d scratch databases left on the check server, want 0", n)
	}
	if n := pgtest.QueryInt(t, src, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'posts' AND column_name = 'body'"); n != 1 {
		t.Errorf("the real database lost posts.body: the capture must never write to it")
	}
}

// The scratch database is dropped when the command fails, even when it leaves a session open
// inside a transaction.
func TestCaptureCheckDatabaseDropsOnFailure(t *testing.T) {
	src := sourceDB(t, `CREATE TABLE posts (id int)`)
	_, err := Capture(context.Background(), Options{AppDir: t.TempDir(), DatabaseURL: src, CheckDatabase: checkServer(t),
		Command: `echo before; psql -X -v ON_ERROR_STOP=1 -c 'SELECT * FROM no_such_table'`})
	var re *RunError
	if !errors.As(err, &re) {
		t.Fatalf("got %v, want a *RunError", err)
	}
	if out := string(re.Output); !strings.Contains(out, "before") || !strings.Contains(out, "no_such_table") {
		t.Errorf("output: got %q, want the echo and psql's error", out)
	}
	if n := scratchDatabases(t); n != 0 {
		t.Errorf("got %d scratch databases left on the check server, want 0", n)
	}
}

// A wrong password in check_database is a clear error that does not show the password.
func TestCaptureCheckDatabaseWrongPassword(t *testing.T) {
	src := sourceDB(t, `CREATE TABLE posts (id int)`)
	bad := mustParse(t, checkServer(t))
	bad.User = mustParse(t, "postgres://"+checkRole+":not-the-secret@x").User
	_, err := Capture(context.Background(), Options{AppDir: t.TempDir(), DatabaseURL: src, CheckDatabase: bad.String(),
		Command: "true"})
	if !errors.Is(err, ErrCheckDatabase) {
		t.Fatalf("got %v, want ErrCheckDatabase", err)
	}
	for _, want := range []string{"password authentication failed", "check_database"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "not-the-secret") {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestRemoteDirectURL(t *testing.T) {
	r := &Remote{Database: RemotePrefix + "ab", checkURL: "postgres://u:p%40ss@db.example:6543/postgres?sslmode=require&dbname=x"}
	for _, tt := range []struct {
		withPassword bool
		want         string
	}{
		{true, "postgres://u:p%40ss@db.example:6543/cutover_check_ab?sslmode=require"},
		{false, "postgres://u@db.example:6543/cutover_check_ab?sslmode=require"},
	} {
		if got := r.directURL(tt.withPassword); got != tt.want {
			t.Errorf("directURL(%v): got %q, want %q", tt.withPassword, got, tt.want)
		}
	}
}

// TestHelperMigrator is not a test: run by the test binary as a release command (with
// CUTOVER_TEST_MIGRATOR=1), it migrates as ActiveRecord does, with pgx: the migration's DDL, then
// its version bound as a parameter of the extended protocol, in one transaction.
func TestHelperMigrator(t *testing.T) {
	if os.Getenv("CUTOVER_TEST_MIGRATOR") != "1" {
		return
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "ALTER TABLE posts DROP COLUMN body"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO "schema_migrations" ("version") VALUES ($1)`, "20261205120000")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A release command that binds the migration's version as a parameter (pgx, as ActiveRecord
// does) is attributed alike on a private cluster and on the check server.
func TestCaptureCheckDatabaseExtendedProtocol(t *testing.T) {
	src := sourceDB(t, `
		CREATE TABLE posts (id bigserial PRIMARY KEY, title text, body text);
		CREATE TABLE schema_migrations (version varchar PRIMARY KEY);`)
	app := t.TempDir()
	writeFiles(t, app, map[string]string{"db/migrate/20261205120000_remove_body_from_posts.rb": ""})
	opts := Options{AppDir: app, DatabaseURL: src, Env: append(os.Environ(), "CUTOVER_TEST_MIGRATOR=1"),
		Command: os.Args[0] + " -test.run='^TestHelperMigrator$' -test.count=1"}
	want := []string{
		"db/migrate/20261205120000_remove_body_from_posts.rb: begin | ALTER TABLE posts DROP COLUMN body",
		"release command: commit",
	}
	for _, where := range []string{"", checkServer(t)} {
		opts.CheckDatabase = where
		res, err := Capture(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := migrationLines(res); !reflect.DeepEqual(got, want) {
			t.Errorf("check database %q: got\n%s\nwant\n%s", redact(where), strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// A check_database that is not a URL is refused without being shown: it may hold a password.
func TestStartRemoteRefusesANonURL(t *testing.T) {
	_, err := StartRemote(context.Background(), Binaries{}, "", "host=db password=hunter2")
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("got %v, want an error asking for a postgres:// URL, without the password", err)
	}
}
