package deploy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/pgtest"
	"github.com/cutover-dev/cutover/internal/release"
)

// dbApp writes an app whose migrations are files (path → SQL) and whose DATABASE_URL is dbURL.
func (f *fixture) dbApp(version, dbURL string, files map[string]string) string {
	f.t.Helper()
	dir := f.app("web: cutover sample-app --version " + version + "\n")
	os.WriteFile(filepath.Join(dir, "cutover.toml"), []byte("[env]\nDATABASE_URL = \""+dbURL+"\"\n"), 0o644)
	for name, sql := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(sql), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
	return dir
}

// TestMigrationFailures: the linter stops an unsafe deploy unless --allow-unsafe; a failing
// pre-deploy migration stops the deploy with PostgreSQL's message and the old release serving; a
// failing post-deploy migration leaves the new release serving and says what to do.
func TestMigrationFailures(t *testing.T) {
	dbURL := pgtest.Start(t).NewDatabase(t)
	f := newFixture(t)
	create := map[string]string{"db/migrate/001_items.sql": "CREATE TABLE items (id bigint PRIMARY KEY, legacy text);"}
	_, live, _, err := f.run(deploy.Request{Source: f.dbApp("v1", dbURL, create)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	with := func(name, sql string) map[string]string {
		return map[string]string{"db/migrate/001_items.sql": create["db/migrate/001_items.sql"], name: sql}
	}

	drop := with("db/migrate/002_drop.sql", "ALTER TABLE items DROP COLUMN legacy;")
	if _, _, _, err := f.run(deploy.Request{Source: f.dbApp("v2", dbURL, drop)}, live); err == nil || !strings.Contains(err.Error(), "--allow-unsafe") {
		t.Fatalf("unsafe deploy: got %v, want it stopped by the linter", err)
	}

	bad := with("db/migrate/002_bad.sql", "ALTER TABLE items ADD COLUMN note text;\nINSERT INTO missing VALUES (1);")
	rel, _, _, err := f.run(deploy.Request{Source: f.dbApp("v2", dbURL, bad)}, live)
	if err == nil || !strings.Contains(err.Error(), "002_bad.sql") || !strings.Contains(err.Error(), `relation "missing" does not exist`) {
		t.Errorf("failing pre-deploy migration: got %v, want the file and PostgreSQL's message", err)
	}
	if rel.Status != release.Failed || f.version() != "v1" {
		t.Errorf("got %s with %s serving, want a failed release and v1 serving", rel.Status, f.version())
	}

	rel, live, events, err := f.run(deploy.Request{Source: f.dbApp("v3", dbURL, drop), AllowUnsafe: true}, live)
	if err != nil || !hasKind(events, deploy.Warn, "--allow-unsafe") || f.version() != "v3" {
		t.Errorf("deploy with --allow-unsafe: got %v (%s serving), want it deployed with a warning", err, f.version())
	}

	post := map[string]string{"db/migrate/001_items.sql": create["db/migrate/001_items.sql"], "db/migrate/002_drop.sql": drop["db/migrate/002_drop.sql"],
		"db/post_migrate/003_bad.sql": "DROP TABLE missing;"}
	rel, next, _, err := f.run(deploy.Request{Source: f.dbApp("v4", dbURL, post)}, live)
	if err == nil || !strings.Contains(err.Error(), "post-deploy migrations") || !strings.Contains(err.Error(), rel.ID+" keeps serving") {
		t.Errorf("failing post-deploy migration: got %v, want it reported with v4 serving", err)
	}
	if next == nil || rel.Status != release.Live || f.version() != "v4" {
		t.Errorf("after a failed post-deploy migration: got %s serving, release %s; want v4 live", f.version(), rel.Status)
	}
}

func hasKind(events []deploy.Event, kind deploy.Kind, s string) bool {
	for _, e := range events {
		if e.Kind == kind && strings.Contains(e.Message, s) {
			return true
		}
	}
	return false
}
