package daemon_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/loadgen"
	"github.com/cutover-dev/cutover/internal/migrate"
	"github.com/cutover-dev/cutover/internal/pgtest"
)

// writeDBApp writes an app whose web process reads the database with query on every request, with
// SQL migration files (path under the app → content).
func writeDBApp(t *testing.T, version, query, dbURL string, files map[string]string) string {
	t.Helper()
	app := writeApp(t,
		fmt.Sprintf("web: cutover sample-app --version %s --db-query %q\n", version, query),
		fmt.Sprintf("[env]\nDATABASE_URL = %q\n", dbURL))
	for name, sql := range files {
		p := filepath.Join(app, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return app
}

// TestExpandContract proves the point of the migration phases: the old release reads a column; a
// deploy whose pre-deploy migration drops it is stopped by the linter before anything changes; the
// same change as a contract (post-deploy) migration deploys under load with no failed request, and
// the column is gone at the end.
func TestExpandContract(t *testing.T) {
	dbURL := pgtest.Start(t).NewDatabase(t)
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")

	create := "CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text NOT NULL, legacy text);\n" +
		"INSERT INTO items (title, legacy) VALUES ('apple', 'old');\n"
	drop := "ALTER TABLE items DROP COLUMN legacy;\n"
	d.mustDeploy(writeDBApp(t, "v1", "SELECT legacy FROM items LIMIT 1", dbURL, map[string]string{"db/migrate/001_items.sql": create}))
	if got := d.body("/"); got != "hello from v1 (db: old)\n" {
		t.Fatalf("v1: got %q", got)
	}

	// The unsafe way: drop the column before the switch, while v1 still reads it.
	unsafe := writeDBApp(t, "v2", "SELECT title FROM items LIMIT 1", dbURL, map[string]string{
		"db/migrate/001_items.sql": create, "db/migrate/002_drop_legacy.sql": drop})
	_, events, err := d.deploy(deploy.Request{Source: unsafe})
	if err == nil || !strings.Contains(err.Error(), "lint migrations") || !strings.Contains(err.Error(), "expand") {
		t.Fatalf("unsafe deploy: got %v, want it stopped by the linter with advice", err)
	}
	if !eventSays(events, deploy.Output, "CO101") || !eventSays(events, deploy.Output, "legacy") {
		t.Errorf("the linter's finding (CO101, naming the column) was not shown: %+v", events)
	}
	named := false
	for _, e := range events {
		named = named || e.Kind == deploy.Output && strings.HasPrefix(e.Message, "db/migrate/002_drop_legacy.sql:1:")
	}
	if !named || eventSays(events, deploy.Output, state) {
		t.Errorf("the finding does not name the file as in the app (db/migrate/002_drop_legacy.sql), or names the state directory: %+v", events)
	}
	if !pgtest.HasColumn(t, dbURL, "items", "legacy") || d.body("/") != "hello from v1 (db: old)\n" {
		t.Fatalf("the refused deploy changed something")
	}

	// The safe way: v2 stops reading the column; the drop is a post-deploy (contract) migration.
	safe := writeDBApp(t, "v2", "SELECT title FROM items LIMIT 1", dbURL, map[string]string{
		"db/migrate/001_items.sql": create, "db/post_migrate/002_drop_legacy.sql": drop})
	stopLoad := startLoad(t,
		loadgen.Options{URL: d.url("/?delay=300ms"), Concurrency: 6},
		loadgen.Options{URL: d.url("/"), Concurrency: 4, Rate: 100},
		loadgen.Options{URL: d.url("/echo"), Method: "POST", Body: []byte("payload"), Concurrency: 2, Rate: 50})
	time.Sleep(500 * time.Millisecond)
	rel, events, err := d.deploy(deploy.Request{Source: safe})
	if err != nil {
		t.Fatalf("expand/contract deploy: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	for _, r := range stopLoad() {
		if r.Failed > 0 || r.Sent == 0 || r.Retries != 0 {
			t.Errorf("load during the deploy: %s; want requests, none failed and none silently re-sent", r)
		}
	}
	if pgtest.HasColumn(t, dbURL, "items", "legacy") {
		t.Errorf("the column is still there after the post-deploy migration")
	}
	stopOld := eventTime(t, events, "stop old", deploy.StepDone)
	post := eventTime(t, events, "post-deploy migrations", deploy.StepStart)
	if post.Before(stopOld) {
		t.Errorf("post-deploy migrations started %s, before the old release stopped %s", post, stopOld)
	}
	files, err := migrate.Status(context.Background(), migrate.Config{AppDir: rel.Dir, DatabaseURL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !f.Applied {
			t.Errorf("%s %s is still pending", f.Phase, f.Name)
		}
	}
}

func eventSays(events []deploy.Event, kind deploy.Kind, s string) bool {
	for _, e := range events {
		if e.Kind == kind && strings.Contains(e.Message, s) {
			return true
		}
	}
	return false
}
