package capture

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cutover-dev/cutover/internal/migrate/lint"
	"github.com/cutover-dev/cutover/internal/pgtest"
)

// writeFiles makes files (path -> content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// railsLikeRelease is a release command that does with psql what ActiveRecord does: one migration
// in a transaction, one without (CONCURRENTLY), each recorded in schema_migrations.
const railsLikeRelease = `psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SELECT version FROM schema_migrations;
BEGIN;
ALTER TABLE posts DROP COLUMN body;
INSERT INTO "schema_migrations" ("version") VALUES ('20261205120000');
COMMIT;
CREATE INDEX CONCURRENTLY posts_title ON posts (title);
INSERT INTO "schema_migrations" ("version") VALUES ('20261205130000');
SQL
echo migrated`

// railsLikeApp is a real database at the Rails migration 20260101000000 (posts with a row) and an
// app folder holding that migration's file and the two railsLikeRelease runs, plus files (path →
// content).
func railsLikeApp(t *testing.T, files ...map[string]string) (src, app string) {
	t.Helper()
	src = sourceDB(t, `
		CREATE TABLE posts (id bigserial PRIMARY KEY, title text, body text);
		INSERT INTO posts (title, body) VALUES ('a', 'b');
		CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
		INSERT INTO "schema_migrations" ("version") VALUES ('20260101000000');`)
	app = t.TempDir()
	writeFiles(t, app, map[string]string{
		"db/migrate/20260101000000_create_posts.rb":           "",
		"db/migrate/20261205120000_remove_body_from_posts.rb": "",
		"db/migrate/20261205130000_index_posts_title.rb":      "",
	})
	for _, f := range files {
		writeFiles(t, app, f)
	}
	return src, app
}

func TestCaptureRealPsqlRelease(t *testing.T) {
	src, app := railsLikeApp(t)
	res, err := Capture(context.Background(), Options{AppDir: app, Command: railsLikeRelease, DatabaseURL: src})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Output, "migrated") {
		t.Errorf("output: got %q, want it to hold the command's echo", res.Output)
	}
	var got []string
	for _, m := range res.Migrations {
		var sqls []string
		for _, s := range m.Statements {
			sqls = append(sqls, s.SQL)
		}
		got = append(got, m.Name()+": "+strings.Join(sqls, " | "))
	}
	want := []string{
		"db/migrate/20261205120000_remove_body_from_posts.rb: BEGIN | ALTER TABLE posts DROP COLUMN body",
		"db/migrate/20261205130000_index_posts_title.rb: CREATE INDEX CONCURRENTLY posts_title ON posts (title)",
		"release command: SELECT version FROM schema_migrations | COMMIT",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	fs, err := Lint(app, res.Migrations, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	drop := has(fs, "db/migrate/20261205120000_remove_body_from_posts.rb", "CO101")
	if drop == nil || !strings.Contains(drop.Fix, `self.ignored_columns += ["body"]`) {
		t.Errorf("got %v, want CO101 on the remove_body migration with the Rails fix", summary(fs))
	}
	if f := has(fs, "db/migrate/20261205130000_index_posts_title.rb", "CO201"); f != nil {
		t.Errorf("got CO201 on an index built CONCURRENTLY")
	}
	if n := pgtest.QueryInt(t, src, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'posts' AND column_name = 'body'"); n != 1 {
		t.Errorf("the real database lost posts.body: the capture must never write to it")
	}
}

func TestCaptureFailingRelease(t *testing.T) {
	src := sourceDB(t, `CREATE TABLE posts (id int)`)
	_, err := Capture(context.Background(), Options{AppDir: t.TempDir(), DatabaseURL: src,
		Command: `echo before; psql -X -v ON_ERROR_STOP=1 -c 'SELECT * FROM no_such_table'`})
	var re *RunError
	if !errors.As(err, &re) {
		t.Fatalf("got %v, want a *RunError", err)
	}
	if out := string(re.Output); !strings.Contains(out, "before") || !strings.Contains(out, "no_such_table") {
		t.Errorf("output: got %q, want the echo and psql's error", out)
	}
}

// The post-deploy command runs on the same copy after the release command; its migrations are
// marked and linted as post-deploy, so dropping a column there is the safe contract step, and a
// cutover:ignore comment in a migration file silences its finding.
func TestCaptureReleaseThenPostdeploy(t *testing.T) {
	src := sourceDB(t, `
		CREATE TABLE posts (id bigserial PRIMARY KEY, title text, body text);
		CREATE TABLE schema_migrations (version varchar PRIMARY KEY);`)
	app := t.TempDir()
	writeFiles(t, app, map[string]string{
		"db/migrate/20261205110000_add_slug.rb":                    "",
		"db/post_migrate/20261205120000_remove_body_from_posts.rb": "",
		"db/migrate/20261205100000_index_title.rb":                 "# cutover:ignore CO201 reason: posts is tiny\n",
	})
	release := `psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE INDEX posts_title ON posts (title);
INSERT INTO "schema_migrations" ("version") VALUES ('20261205100000');
ALTER TABLE posts ADD COLUMN slug text;
INSERT INTO "schema_migrations" ("version") VALUES ('20261205110000');
SQL`
	postdeploy := `psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
BEGIN;
ALTER TABLE posts DROP COLUMN body;
INSERT INTO "schema_migrations" ("version") VALUES ('20261205120000');
COMMIT;
SQL`
	res, err := Capture(context.Background(), Options{AppDir: app, Command: release, Then: postdeploy, DatabaseURL: src})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range res.Migrations {
		got = append(got, fmt.Sprintf("%s post=%v", m.Name(), m.PostDeploy))
	}
	want := []string{
		"db/migrate/20261205100000_index_title.rb post=false",
		"db/migrate/20261205110000_add_slug.rb post=false",
		"db/post_migrate/20261205120000_remove_body_from_posts.rb post=true",
		"release command post=true", // the COMMIT after the bookkeeping write
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	fs, err := Lint(app, res.Migrations, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if lint.HasErrors(fs) {
		t.Errorf("got errors %v: a drop in the post-deploy command is the contract step, the index is silenced", summary(fs))
	}
	if f := has(fs, "db/migrate/20261205100000_index_title.rb", "CO201"); f == nil || !f.Silenced || f.Reason != "posts is tiny" {
		t.Errorf("got %+v, want CO201 silenced by the file's comment", f)
	}
}

// TestCaptureNeverWritesTheRealDatabase: with every statement on the real database logged, a
// capture of a release command that drops a column and records its migration sends the real
// database only reads (pg_dump's), and the column is still there.
func TestCaptureNeverWritesTheRealDatabase(t *testing.T) {
	cluster := pgtest.Shared(t)
	src := sourceDB(t, `
		CREATE TABLE guarded (id bigserial PRIMARY KEY, body text);
		CREATE TABLE schema_migrations (version varchar PRIMARY KEY);`)
	u, err := url.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, src, "ALTER DATABASE "+pgx.Identifier{strings.TrimPrefix(u.Path, "/")}.Sanitize()+" SET log_statement = 'all'")
	before, _ := os.ReadFile(cluster.LogFile())
	app := t.TempDir()
	_, err = Capture(context.Background(), Options{AppDir: app, DatabaseURL: src, Command: `psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
BEGIN;
ALTER TABLE guarded DROP COLUMN body;
INSERT INTO "schema_migrations" ("version") VALUES ('20261205120000');
COMMIT;
SQL`})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(cluster.LogFile())
	logged := strings.TrimPrefix(string(after), string(before))
	statement := regexp.MustCompile(`statement: (.*)`)
	write := regexp.MustCompile(`(?i)^\s*(ALTER|CREATE|DROP|INSERT|UPDATE|DELETE|TRUNCATE|COMMENT|GRANT|REVOKE|VACUUM|REINDEX)\b`)
	reads := 0
	for _, m := range statement.FindAllStringSubmatch(logged, -1) {
		reads++
		if write.MatchString(m[1]) {
			t.Errorf("the real database received %q", m[1])
		}
	}
	if reads == 0 {
		t.Fatalf("the real database logged no statement at all: the test cannot see pg_dump's reads (log:\n%s)", logged)
	}
	if n := pgtest.QueryInt(t, src, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'guarded' AND column_name = 'body'"); n != 1 {
		t.Errorf("the real database lost guarded.body")
	}
}
