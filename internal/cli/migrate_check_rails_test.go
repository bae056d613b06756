package cli

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cutover-dev/cutover/internal/pgtest"
	"github.com/cutover-dev/cutover/internal/procfile"
)

// requireRails fails the test when Debian's Rails or the pg gem cannot be loaded: scripts/test
// installs them (ruby-rails ruby-pg), as it does Alembic and Django for their tests.
func requireRails(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("ruby", "-e", `require "rails"; require "active_record"; require "pg"`).CombinedOutput(); err != nil {
		t.Fatalf("Rails is not installed: apt-get install ruby-rails ruby-pg (%v)\n%s", err, out)
	}
}

// railsApp copies testdata/rails (db/migrate creates posts) to a new app, then lays each of extras
// over it: a file is added to db/migrate, a folder's tree is copied over the app's, replacing files.
func railsApp(t *testing.T, extras ...string) string {
	t.Helper()
	app := t.TempDir()
	overlay(t, filepath.Join(frameworks, "rails"), app)
	for _, extra := range extras {
		fi, err := os.Stat(extra)
		if err != nil {
			t.Fatal(err)
		}
		if fi.IsDir() {
			overlay(t, extra, app)
			continue
		}
		src, err := os.ReadFile(extra)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(app, "db", "migrate", filepath.Base(extra)), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return app
}

// overlay copies the tree at src into dst, replacing files that are there and keeping their mode.
func overlay(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dst, strings.TrimPrefix(path, src))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, content, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrateCheckRails runs Debian's Rails (ActiveRecord on pg) as the release command,
// `bin/rails db:migrate`: adding a nullable column passes; removing a column the live release reads
// fails, naming the migration file and ignored_columns; an index built without CONCURRENTLY fails
// with Rails' algorithm: :concurrently, and one built so passes (Rails records it in a transaction
// of its own, after the index: the check lints the index on its own); the split release (the model ignores the column, a
// db/post_migrate migration drops it, skipped by the release command) passes, and fails, naming the
// post-deployment migration, when the release command does not skip it. The real database is left
// as it was. Rails missing fails the test: scripts/test installs it.
func TestMigrateCheckRails(t *testing.T) {
	requireRails(t)
	url := pgtest.Start(t).NewDatabase(t)
	// The real database has the posts of the first migration, migrated by the app's release command.
	procfileCommand(t, railsApp(t), procfile.Release, url)
	pgtest.Exec(t, url, `INSERT INTO posts (title, body, created_at, updated_at)
		SELECT 'post ' || i, 'body ' || i, now(), now() FROM generate_series(1, 100) AS i`)
	tests := []checkCase{
		{name: "add a nullable column", extras: []string{filepath.Join(frameworks, "rails-safe", "20261205110000_add_subtitle_to_posts.rb")}},
		{name: "remove a column", extras: []string{filepath.Join(frameworks, "rails-unsafe", "20261205120000_remove_body_from_posts.rb")}, want: ExitLintErrors,
			wantStdout: []string{"db/migrate/20261205120000_remove_body_from_posts.rb:", "error CO101", "in Rails:", `self.ignored_columns += ["body"]`}},
		{name: "add an index", extras: []string{filepath.Join(frameworks, "rails-unsafe", "20261205130000_add_index_to_posts_title.rb")}, want: ExitLintErrors,
			wantStdout: []string{"db/migrate/20261205130000_add_index_to_posts_title.rb:", "error CO201", `"index_posts_on_title"`,
				"algorithm: :concurrently", "disable_ddl_transaction!"}},
		{name: "add an index concurrently", extras: []string{filepath.Join(frameworks, "rails-safe", "20261205130000_add_index_concurrently_to_posts_title.rb")}},
		{name: "ignore the column, drop it after the deploy", extras: []string{filepath.Join(frameworks, "rails-split")}},
		{name: "a release command that runs the post-deployment migrations", extras: []string{filepath.Join(frameworks, "rails-split"),
			filepath.Join(frameworks, "rails-split-unskipped")}, want: ExitLintErrors,
			wantStdout: []string{"db/post_migrate/20261205140000_remove_body_from_posts.rb:", "error CO101"}},
	}
	runChecks(t, url, func(t *testing.T, c checkCase) string { return railsApp(t, c.extras...) }, tests)
	if got, want := railsSchema(t, url), "posts: id title body created_at updated_at; indexes: posts_pkey; versions: 20261201120000"; got != want {
		t.Errorf("the real database changed: got %q, want %q", got, want)
	}
}

// railsSchema describes the posts table and the applied migrations of the database at url.
func railsSchema(t *testing.T, url string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var cols, indexes, versions string
	err = conn.QueryRow(ctx, `SELECT
		(SELECT string_agg(column_name, ' ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'posts'),
		(SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'posts'),
		(SELECT string_agg(version, ' ' ORDER BY version) FROM schema_migrations)`).Scan(&cols, &indexes, &versions)
	if err != nil {
		t.Fatal(err)
	}
	return "posts: " + cols + "; indexes: " + indexes + "; versions: " + versions
}
