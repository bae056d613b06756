package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cutover-dev/cutover/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// sourceDB makes a database on the shared test cluster holding sql, and returns its URL.
func sourceDB(t *testing.T, sql string) string {
	t.Helper()
	u := pgtest.Shared(t).NewDatabase(t)
	execSQL(t, u, sql)
	return u
}

func execSQL(t *testing.T, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func queryInt(t *testing.T, url, sql string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// startScratch starts a scratch copy closed at the end of the test.
func startScratch(t *testing.T) *Scratch {
	t.Helper()
	bin, err := FindBinaries(DefaultInstallRoot)
	if err != nil {
		t.Fatal(err)
	}
	s, err := StartScratch(context.Background(), bin, "", "app")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
			t.Errorf("scratch folder %s still there after Close (%v)", s.Dir, err)
		}
	})
	return s
}

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
	for _, c := range []struct {
		sql  string
		want int
	}{
		{"SELECT count(*) FROM posts", 0},
		{"SELECT count(*) FROM pg_indexes WHERE indexname = 'posts_title'", 1},
		{"SELECT count(*) FROM schema_migrations", 2},
		{"SELECT count(*) FROM django_migrations WHERE app = 'blog'", 1},
	} {
		if got := queryInt(t, s.URL(), c.sql); got != c.want {
			t.Errorf("%s on the copy: got %d, want %d", c.sql, got, c.want)
		}
	}
	if got := queryInt(t, src, "SELECT count(*) FROM posts"); got != 50 {
		t.Errorf("source posts: got %d, want 50 (the source must be untouched)", got)
	}
}

func TestScratchLoadWithoutBookkeepingTables(t *testing.T) {
	src := sourceDB(t, `CREATE TABLE things (id int)`)
	s := startScratch(t)
	if err := s.Load(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, s.URL(), "SELECT count(*) FROM things"); got != 0 {
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
