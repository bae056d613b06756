package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/pgtest"
)

func TestScratchLoadCopiesSchemaAndBookkeepingOnly(t *testing.T) {
	src := sourceDB(t, `
		CREATE TABLE posts (id bigserial PRIMARY KEY, title text NOT NULL, body text);
		CREATE INDEX posts_title ON posts (title);
		INSERT INTO posts (title, body) SELECT 'p' || g, 'b' FROM generate_series(1, 50) g;
		CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
		INSERT INTO schema_migrations VALUES ('20260101000000'), ('20260102000000');
		CREATE TABLE django_migrations (id serial PRIMARY KEY, app text, name text, applied timestamptz);
		INSERT INTO django_migrations (app, name, applied) VALUES ('blog', '0001_initial', now());`)
	s := startScratch(t)
	if err := s.Load(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, s.URL(), []countCase{
		{"SELECT count(*) FROM posts", 0},
		{"SELECT count(*) FROM pg_indexes WHERE indexname = 'posts_title'", 1},
		{"SELECT count(*) FROM schema_migrations", 2},
		{"SELECT count(*) FROM django_migrations WHERE app = 'blog'", 1},
	})
	if got := pgtest.QueryInt(t, src, "SELECT count(*) FROM posts"); got != 50 {
		t.Errorf("source posts: got %d, want 50 (the source must be untouched)", got)
	}
}

// TestScratchLoadAlembicVersionTables copies the rows of Alembic's version tables of other names
// (context.configure's version_table and version_table_schema) as alembic_version's, and of no table
// that only has a version_num among other columns.
func TestScratchLoadAlembicVersionTables(t *testing.T) {
	src := sourceDB(t, `
		CREATE TABLE blog_revisions (version_num VARCHAR(32) NOT NULL, CONSTRAINT blog_revisions_pkc PRIMARY KEY (version_num));
		INSERT INTO blog_revisions VALUES ('a1');
		CREATE SCHEMA shop;
		CREATE TABLE shop."Revisions" (version_num VARCHAR(32) NOT NULL, CONSTRAINT revisions_pkc PRIMARY KEY (version_num));
		INSERT INTO shop."Revisions" VALUES ('b7');
		CREATE TABLE documents (id int, version_num VARCHAR(32) NOT NULL);
		INSERT INTO documents VALUES (1, 'v1');`)
	s := startScratch(t)
	if err := s.Load(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, s.URL(), []countCase{
		{"SELECT count(*) FROM blog_revisions WHERE version_num = 'a1'", 1},
		{`SELECT count(*) FROM shop."Revisions" WHERE version_num = 'b7'`, 1},
		{"SELECT count(*) FROM documents", 0},
	})
}

// countCase is a count query on the copy and the count it must return.
type countCase struct {
	sql  string
	want int
}

func wantCounts(t *testing.T, url string, cases []countCase) {
	t.Helper()
	for _, c := range cases {
		if got := pgtest.QueryInt(t, url, c.sql); got != c.want {
			t.Errorf("%s on the copy: got %d, want %d", c.sql, got, c.want)
		}
	}
}

func TestScratchLoadWithoutBookkeepingTables(t *testing.T) {
	src := sourceDB(t, `CREATE TABLE things (id int)`)
	s := startScratch(t)
	if err := s.Load(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if got := pgtest.QueryInt(t, s.URL(), "SELECT count(*) FROM things"); got != 0 {
		t.Errorf("got %d rows, want 0", got)
	}
}

func TestScratchLoadUnreachableSource(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	s := startScratch(t)
	err = s.Load(context.Background(), fmt.Sprintf("postgres://u:secret@127.0.0.1:%d/app?sslmode=disable", port))
	if !errors.Is(err, ErrSourceUnreachable) {
		t.Fatalf("got %v, want ErrSourceUnreachable", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@db:5432/app": "postgres://u:xxxxx@db:5432/app",
		"postgres://u@db/app":             "postgres://u@db/app",
		"host=db dbname=app":              "host=db dbname=app",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q): got %q, want %q", in, got, want)
		}
	}
}

// TestWithConnectTimeout: pg_dump gets a connect timeout unless the user's environment has one.
func TestWithConnectTimeout(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"PATH=/bin"}, "PGCONNECT_TIMEOUT=15"},
		{[]string{"PGCONNECT_TIMEOUT=3", "PATH=/bin"}, "PGCONNECT_TIMEOUT=3"},
	} {
		var got []string
		for _, kv := range withConnectTimeout(tc.env) {
			if strings.HasPrefix(kv, "PGCONNECT_TIMEOUT=") {
				got = append(got, kv)
			}
		}
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("%q: got %q, want %q alone", tc.env, got, tc.want)
		}
	}
}
