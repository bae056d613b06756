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

// alembicApp copies testdata/alembic (revision a1 creates posts) to a new app whose release command
// is `alembic upgrade head`, with the revision file next (a2) added to its versions folder.
func alembicApp(t *testing.T, next string) string {
	t.Helper()
	app := t.TempDir()
	if err := os.CopyFS(app, os.DirFS(filepath.Join("testdata", "alembic"))); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(next)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		filepath.Join("alembic", "versions", filepath.Base(next)): src,
		"Procfile": []byte("release: alembic upgrade head\n"),
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
	setup.Dir = alembicApp(t, filepath.Join("testdata", "alembic-safe", "a2_add_subtitle.py"))
	setup.Env = append(os.Environ(), "DATABASE_URL="+url)
	if out, err := setup.CombinedOutput(); err != nil {
		t.Fatalf("alembic upgrade a1 on the real database: %v\n%s", err, out)
	}
	pgExec(t, url, "INSERT INTO posts (title, body) VALUES ('a', 'b')")
	tests := []struct {
		name, next string
		want       int
		wantStdout []string
	}{
		{"add a nullable column", filepath.Join("testdata", "alembic-safe", "a2_add_subtitle.py"), 0, nil},
		{"drop a column", filepath.Join("testdata", "alembic-unsafe", "a2_drop_body.py"), ExitLintErrors,
			[]string{"alembic/versions/a2_drop_body.py:", "error CO101", "in Alembic:", "later revision"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DATABASE_URL", url)
			var stdout, stderr bytes.Buffer
			got := Run([]string{"migrate", "check", alembicApp(t, tt.next)}, &stdout, &stderr)
			if got != tt.want {
				t.Fatalf("got exit status %d, want %d; stdout:\n%s\nstderr:\n%s", got, tt.want, &stdout, &stderr)
			}
			for _, w := range tt.wantStdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("got stdout %q, want it to contain %q", &stdout, w)
				}
			}
			t.Logf("stdout:\n%s\nstderr: %s", &stdout, &stderr)
		})
	}
}
