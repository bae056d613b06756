package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/pgtest"
)

// frameworks holds the framework apps (Django, Alembic) that this package's tests and the daemon's
// end-to-end deploys share: testdata at the repository's root.
var frameworks = filepath.Join("..", "..", "testdata", "frameworks")

// alembicApp copies testdata/frameworks/alembic (revision a1 creates posts) to a new app whose
// release command is `alembic upgrade head`, with the revision file next (a2) added to its versions folder.
func alembicApp(t *testing.T, next string) string {
	return frameworkApp(t, "alembic", filepath.Join("alembic", "versions"), next, "alembic upgrade head")
}

// frameworkApp copies testdata/frameworks/<base> to a new app with the migration file next added to
// its folder migrations and release as its Procfile's release command.
func frameworkApp(t *testing.T, base, migrations, next, release string) string {
	t.Helper()
	app := t.TempDir()
	if err := os.CopyFS(app, os.DirFS(filepath.Join(frameworks, base))); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(next)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		filepath.Join(migrations, filepath.Base(next)): src,
		"Procfile": []byte("release: " + release + "\n"),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(app, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return app
}

// TestMigrateCheckAlembic runs Debian's Alembic as the release command: adding a nullable column
// passes; dropping a column the live release reads fails, naming the revision file and the fix.
// Alembic missing fails the test: scripts/test installs it.
func TestMigrateCheckAlembic(t *testing.T) {
	if _, err := exec.LookPath("alembic"); err != nil {
		t.Fatalf("alembic is not installed: apt-get install alembic python3-psycopg2 (%v)", err)
	}
	url := pgtest.Start(t).NewDatabase(t)
	// The real database is at revision a1, migrated by Alembic itself.
	setup := exec.Command("alembic", "upgrade", "a1")
	setup.Dir = alembicApp(t, filepath.Join(frameworks, "alembic-safe", "a2_add_subtitle.py"))
	setup.Env = append(os.Environ(), "DATABASE_URL="+url)
	if out, err := setup.CombinedOutput(); err != nil {
		t.Fatalf("alembic upgrade a1 on the real database: %v\n%s", err, out)
	}
	pgtest.Exec(t, url, "INSERT INTO posts (title, body) VALUES ('a', 'b')")
	tests := []checkCase{
		{name: "add a nullable column", next: filepath.Join(frameworks, "alembic-safe", "a2_add_subtitle.py")},
		{name: "drop a column", next: filepath.Join(frameworks, "alembic-unsafe", "a2_drop_body.py"), want: ExitLintErrors,
			wantStdout: []string{"alembic/versions/a2_drop_body.py:", "error CO101", "in Alembic:", "later revision"}},
		// autocommit_block commits the revision's transaction before its block: the DROP before it
		// is still the revision's, not the release command's.
		{name: "drop a column, then an autocommit block", next: filepath.Join(frameworks, "alembic-unsafe", "a2_drop_body_then_index.py"), want: ExitLintErrors,
			wantStdout: []string{"alembic/versions/a2_drop_body_then_index.py:", "error CO101", "in Alembic:"},
			notStdout:  []string{"release command:"}},
	}
	runChecks(t, url, func(t *testing.T, c checkCase) string { return alembicApp(t, c.next) }, tests)
}

// TestMigrateCheckAlembicVersionTable is Alembic with a version table of its own name
// (context.configure(version_table=...), as apps sharing a database set): its rows are copied to the
// scratch copy as alembic_version's are, so only the pending revision runs there, and that
// revision's statements are named for its file.
func TestMigrateCheckAlembicVersionTable(t *testing.T) {
	if _, err := exec.LookPath("alembic"); err != nil {
		t.Fatalf("alembic is not installed: apt-get install alembic python3-psycopg2 (%v)", err)
	}
	app := func(t *testing.T, c checkCase) string {
		dir := alembicApp(t, c.next)
		env := filepath.Join(dir, "alembic", "env.py")
		src, err := os.ReadFile(env)
		if err != nil {
			t.Fatal(err)
		}
		own := strings.Replace(string(src), "target_metadata=None)", `target_metadata=None, version_table="blog_revisions")`, 1)
		if own == string(src) {
			t.Fatal("env.py has no context.configure(..., target_metadata=None) to give a version table")
		}
		if err := os.WriteFile(env, []byte(own), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	url := pgtest.Start(t).NewDatabase(t)
	setup := exec.Command("alembic", "upgrade", "a1")
	setup.Dir = app(t, checkCase{next: filepath.Join(frameworks, "alembic-safe", "a2_add_subtitle.py")})
	setup.Env = append(os.Environ(), "DATABASE_URL="+url)
	if out, err := setup.CombinedOutput(); err != nil {
		t.Fatalf("alembic upgrade a1 on the real database: %v\n%s", err, out)
	}
	if got := pgtest.QueryInt(t, url, "SELECT count(*) FROM blog_revisions WHERE version_num = 'a1'"); got != 1 {
		t.Fatalf("blog_revisions holds %d rows of a1, want 1: the fixture did not take the version table", got)
	}
	tests := []checkCase{
		{name: "add a nullable column", next: filepath.Join(frameworks, "alembic-safe", "a2_add_subtitle.py")},
		{name: "drop a column", next: filepath.Join(frameworks, "alembic-unsafe", "a2_drop_body.py"), want: ExitLintErrors,
			wantStdout: []string{"alembic/versions/a2_drop_body.py:", "error CO101", "in Alembic:"}},
	}
	runChecks(t, url, app, tests)
}

// djangoApp copies testdata/frameworks/django (blog's 0001 creates blog_post) to a new app whose
// release command is `manage.py migrate`, with the migration file next (0002) added to blog/migrations.
func djangoApp(t *testing.T, next string) string {
	return frameworkApp(t, "django", filepath.Join("blog", "migrations"), next,
		"/usr/bin/python3 manage.py migrate --noinput")
}

// TestMigrateCheckDjango runs Debian's Django as the release command: adding a nullable field
// passes; removing a field the live release reads fails, naming the migration file and
// SeparateDatabaseAndState; an indexed field's CREATE INDEX, which Django runs at the end of the
// migration and records the migration after its COMMIT, is named for its migration file too.
// Django missing fails the test: scripts/test installs it.
func TestMigrateCheckDjango(t *testing.T) {
	if out, err := exec.Command("/usr/bin/python3", "-c", "import django, psycopg2").CombinedOutput(); err != nil {
		t.Fatalf("Django is not installed: apt-get install python3-django python3-psycopg2 (%v)\n%s", err, out)
	}
	url := pgtest.Start(t).NewDatabase(t)
	setup := exec.Command("/usr/bin/python3", "manage.py", "migrate", "--noinput", "blog", "0001")
	setup.Dir = djangoApp(t, filepath.Join(frameworks, "django-safe", "0002_post_subtitle.py"))
	setup.Env = append(os.Environ(), "DATABASE_URL="+url)
	if out, err := setup.CombinedOutput(); err != nil {
		t.Fatalf("manage.py migrate blog 0001 on the real database: %v\n%s", err, out)
	}
	pgtest.Exec(t, url, "INSERT INTO blog_post (title, body) VALUES ('a', 'b')")
	tests := []checkCase{
		{name: "add a nullable field", next: filepath.Join(frameworks, "django-safe", "0002_post_subtitle.py")},
		{name: "remove a field", next: filepath.Join(frameworks, "django-unsafe", "0002_remove_post_body.py"), want: ExitLintErrors,
			wantStdout: []string{"blog/migrations/0002_remove_post_body.py:", "error CO101", "in Django:", "SeparateDatabaseAndState"}},
		{name: "an indexed field", next: filepath.Join(frameworks, "django-unsafe", "0002_post_slug_indexed.py"), want: ExitLintErrors,
			wantStdout: []string{"blog/migrations/0002_post_slug_indexed.py:", "error CO201"}},
		// atomic = False: each operation on its own, one in a transaction of its own; the
		// migration's record comes after all of them, and all are the migration's.
		{name: "a non-atomic migration", next: filepath.Join(frameworks, "django-unsafe", "0002_remove_post_body_non_atomic.py"), want: ExitLintErrors,
			wantStdout: []string{"blog/migrations/0002_remove_post_body_non_atomic.py:", "error CO101", "in Django:"},
			notStdout:  []string{"release command:"}},
	}
	runChecks(t, url, func(t *testing.T, c checkCase) string { return djangoApp(t, c.next) }, tests)
}

// checkCase is one release of a framework app for `migrate check`: the migration file added, the
// exit status wanted, and what stdout must say.
type checkCase struct {
	name, next string
	extras     []string // for apps made of folders laid over the base instead (Rails)
	want       int
	wantStdout []string
	notStdout  []string // what stdout must not say
}

// runChecks runs `cutover migrate check` on the app of each case against the database at url.
func runChecks(t *testing.T, url string, app func(*testing.T, checkCase) string, tests []checkCase) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DATABASE_URL", url)
			var stdout, stderr bytes.Buffer
			got := Run([]string{"migrate", "check", app(t, tt)}, &stdout, &stderr)
			if got != tt.want {
				t.Fatalf("got exit status %d, want %d; stdout:\n%s\nstderr:\n%s", got, tt.want, &stdout, &stderr)
			}
			for _, w := range tt.wantStdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("got stdout %q, want it to contain %q", &stdout, w)
				}
			}
			for _, w := range tt.notStdout {
				if strings.Contains(stdout.String(), w) {
					t.Errorf("got stdout %q, want it not to contain %q", &stdout, w)
				}
			}
			t.Logf("stdout:\n%s\nstderr: %s", &stdout, &stderr)
		})
	}
}
