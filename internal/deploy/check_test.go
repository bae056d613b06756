package deploy_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/pgtest"
	"github.com/cutover-dev/cutover/internal/release"
)

// railsLike is a script that migrates as ActiveRecord does, with psql: the migration's SQL, then
// its version into schema_migrations, in one transaction.
func railsLike(sql, version string) string {
	return `#!/bin/sh
psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 <<'SQL'
BEGIN;
` + sql + `;
INSERT INTO "schema_migrations" ("version") VALUES ('` + version + `');
COMMIT;
SQL`
}

// frameworkApp writes an app with a Procfile, DATABASE_URL and files (path → content; a migration
// file's name is what the check reports).
func (f *fixture) frameworkApp(version, dbURL, procfile string, files map[string]string) string {
	f.t.Helper()
	dir := f.app("web: cutover sample-app --version " + version + "\n" + procfile)
	os.WriteFile(filepath.Join(dir, "cutover.toml"), []byte("[env]\nDATABASE_URL = \""+dbURL+"\"\n"), 0o644)
	for name, content := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
			f.t.Fatal(err)
		}
	}
	return dir
}

// TestCheckReleaseCommand: the release command's SQL is checked on a scratch copy before the real
// release phase. A dropped column stops the deploy, naming the migration file, with the real
// database untouched and v1 serving; --skip-check deploys and records it; the same drop in the
// postdeploy command deploys, is recorded as contract, and a rollback past it is refused unless
// forced.
func TestCheckReleaseCommand(t *testing.T) {
	dbURL := pgtest.Start(t).NewDatabase(t)
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(context.Background(), `CREATE TABLE posts (id bigserial PRIMARY KEY, title text, body text);
		CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
		INSERT INTO posts (title, body) VALUES ('a', 'b')`)
	conn.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	_, live, _, err := f.run(deploy.Request{Source: f.frameworkApp("v1", dbURL, "", nil)}, nil)
	if err != nil {
		t.Fatal(err)
	}

	const dropFile = "db/migrate/20261205120000_remove_body_from_posts.rb"
	dropSQL := railsLike("ALTER TABLE posts DROP COLUMN body", "20261205120000")
	drop := f.frameworkApp("v2", dbURL, "release: sh bin/migrate\n", map[string]string{"bin/migrate": dropSQL, dropFile: "# a migration\n"})
	rel, _, events, err := f.run(deploy.Request{Source: drop}, live)
	if err == nil || !strings.Contains(err.Error(), deploy.StepCheck) || !strings.Contains(err.Error(), "--allow-unsafe") {
		t.Fatalf("unsafe release command: got %v, want the check to stop it", err)
	}
	if !hasKind(events, deploy.Output, dropFile) || !hasKind(events, deploy.Output, "CO101") {
		t.Errorf("findings: want CO101 naming %s in the output", dropFile)
	}
	if !hasKind(events, deploy.Output, "DROP COLUMN body: posts ACCESS EXCLUSIVE") {
		t.Errorf("locks: want the drop's observed ACCESS EXCLUSIVE lock on posts in the output")
	}
	if slices.Contains(steps(events), "release phase") || !pgtest.HasColumn(t, dbURL, "posts", "body") || f.version() != "v1" || rel.Status != release.Failed {
		t.Errorf("after the stopped deploy: want no release phase, posts.body kept, v1 serving; got %s serving, %s", f.version(), rel.Status)
	}

	const postFile = "db/post_migrate/20261205120000_remove_body_from_posts.rb"
	split := f.frameworkApp("v3", dbURL, "postdeploy: sh bin/migrate\n", map[string]string{"bin/migrate": dropSQL, postFile: "# a migration\n"})
	rel, live, _, err = f.run(deploy.Request{Source: split}, live)
	if err != nil || f.version() != "v3" {
		t.Fatalf("the drop in postdeploy: got %v, %s serving; want v3 deployed", err, f.version())
	}
	if !slices.Equal(rel.Contract, []string{postFile}) || pgtest.HasColumn(t, dbURL, "posts", "body") {
		t.Errorf("contract: got %q (body kept: %v), want %s run and recorded", rel.Contract, pgtest.HasColumn(t, dbURL, "posts", "body"), postFile)
	}

	_, _, _, err = f.run(deploy.Request{Rollback: "v1"}, live)
	if !errors.Is(err, deploy.ErrPastContract) || !strings.Contains(err.Error(), postFile) || f.version() != "v3" {
		t.Fatalf("rollback past the drop: got %v (%s serving), want it refused naming %s", err, f.version(), postFile)
	}
	_, live, _, err = f.run(deploy.Request{Rollback: "v1", Force: true}, live)
	if err != nil || f.version() != "v1" {
		t.Fatalf("rollback --force: got %v, %s serving", err, f.version())
	}

	add := f.frameworkApp("v5", dbURL, "release: sh bin/migrate\n",
		map[string]string{"bin/migrate": railsLike("ALTER TABLE posts ADD COLUMN slug text", "20261205130000")})
	rel, _, events, err = f.run(deploy.Request{Source: add, SkipCheck: true}, live)
	if err != nil || len(rel.Warnings) != 1 || !strings.Contains(rel.Warnings[0], "--skip-check") || !hasKind(events, deploy.Warn, "--skip-check") {
		t.Errorf("--skip-check: got %v, warnings %q; want it deployed and the skip recorded", err, rel.Warnings)
	}
}

// TestCheckBadInput: what keeps the check from running stops the deploy (v1 keeps serving) with
// what happened and what to do, except a missing DATABASE_URL, which leaves nothing to check.
func TestCheckBadInput(t *testing.T) {
	dbURL := pgtest.Start(t).NewDatabase(t)
	f := newFixture(t)
	_, live, _, err := f.run(deploy.Request{Source: f.frameworkApp("v1", dbURL, "", nil)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	selectOne := "release: psql \"$DATABASE_URL\" -X -v ON_ERROR_STOP=1 -c 'SELECT 1'\n"
	tests := []struct {
		name, dbURL, procfile string
		noBinaries            bool
		env                   []string // added to the daemon's environment
		want                  []string // in the error; none: the deploy succeeds
		info                  string   // said as it goes
	}{
		{name: "database unreachable", dbURL: "postgres://nobody@127.0.0.1:1/app?sslmode=disable", procfile: selectOne,
			want: []string{"cannot check the release command's SQL", "pg_dump", "127.0.0.1:1", "--skip-check"}},
		{name: "no PostgreSQL binaries", dbURL: dbURL, procfile: selectOne, noBinaries: true,
			want: []string{"no PostgreSQL server binaries", "apt-get install postgresql", "--skip-check"}},
		{name: "fails on the copy", dbURL: dbURL, procfile: "release: echo needs rows; psql -X -v ON_ERROR_STOP=1 -c 'SELECT 1/count(*) FROM pg_class WHERE false'\n",
			want: []string{"failed on the scratch copy", "needs rows", "division by zero", "--skip-check"}},
		{name: "migrates another database", dbURL: dbURL, env: []string{"OTHER_DATABASE=" + dbURL},
			procfile: "release: psql \"$OTHER_DATABASE\" -X -v ON_ERROR_STOP=1 -c 'CREATE TABLE written_by_the_check (id int)'\n",
			want:     []string{"the real database's schema changed", "DATABASE_URL", "did not run"}},
		{name: "no DATABASE_URL", procfile: "release: echo migrating\n", info: "DATABASE_URL is not set"}, // last: it deploys
	}
	base := os.Environ()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := f.frameworkApp("v2", tt.dbURL, tt.procfile, nil)
			if tt.dbURL == "" {
				os.Remove(filepath.Join(app, "cutover.toml"))
				t.Setenv("DATABASE_URL", "")
				f.d.Env = slices.DeleteFunc(slices.Clone(base), func(kv string) bool { return strings.HasPrefix(kv, "DATABASE_URL=") })
			}
			if tt.env != nil {
				f.d.Env = append(slices.Clone(base), tt.env...)
			}
			if tt.noBinaries {
				t.Setenv("PATH", t.TempDir())
				f.d.PostgresRoot = t.TempDir()
			}
			t.Cleanup(func() { f.d.PostgresRoot, f.d.Env = "", base })
			rel, next, events, err := f.run(deploy.Request{Source: app}, live)
			if len(tt.want) == 0 {
				if err != nil || !hasKind(events, deploy.Info, tt.info) {
					t.Fatalf("got %v, want a deploy that says %q", err, tt.info)
				}
				live = next
				return
			}
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want it to say %q", err, w)
				}
			}
			if rel.Status != release.Failed || f.version() != "v1" {
				t.Errorf("got %s, %s serving; want a failed release and the live one serving", rel.Status, f.version())
			}
		})
	}
}

// TestCheckOnCheckDatabase: with [migrations] check_database, the deploy's check runs the release
// command on a scratch database on that server, stops the unsafe drop, and leaves no database there.
func TestCheckOnCheckDatabase(t *testing.T) {
	cluster := pgtest.Start(t)
	dbURL := cluster.NewDatabase(t)
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `CREATE TABLE posts (id bigserial PRIMARY KEY, title text, body text);
		CREATE TABLE schema_migrations (version varchar PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	seen := filepath.Join(t.TempDir(), "database")
	const dropFile = "db/migrate/20261205120000_remove_body_from_posts.rb"
	f := newFixture(t)
	app := f.frameworkApp("v1", dbURL, "release: sh bin/migrate\n", map[string]string{
		"bin/migrate": "psql -X -At -c 'SELECT current_database()' >> " + seen + "\n" +
			railsLike("ALTER TABLE posts DROP COLUMN body", "20261205120000"),
		dropFile: "# a migration\n",
	})
	toml, err := os.OpenFile(filepath.Join(app, "cutover.toml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	toml.WriteString("[migrations]\ncheck_database = \"" + cluster.URL("postgres") + "\"\n")
	toml.Close()
	_, _, events, err := f.run(deploy.Request{Source: app}, nil)
	if err == nil || !strings.Contains(err.Error(), deploy.StepCheck) || !hasKind(events, deploy.Output, "CO101") {
		t.Fatalf("got %v, want the check to stop the drop with CO101", err)
	}
	if db, _ := os.ReadFile(seen); !strings.HasPrefix(string(db), "cutover_check_") {
		t.Errorf("the release command ran on %q, want a scratch database on the check server", db)
	}
	var left int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_database WHERE datname LIKE 'cutover_check_%'").Scan(&left); err != nil || left != 0 {
		t.Errorf("got %d scratch databases left (%v), want 0", left, err)
	}
	if !pgtest.HasColumn(t, dbURL, "posts", "body") {
		t.Error("the real database lost posts.body")
	}
}
