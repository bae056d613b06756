package migrate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestFailedConcurrentIndexIsDropped: a unique index built concurrently over duplicate values fails
// and leaves an INVALID index; Run drops it and says so, so the file, run again once the data is
// fixed, builds a valid index (IF NOT EXISTS would otherwise skip the INVALID one and record the
// file as applied).
func TestFailedConcurrentIndexIsDropped(t *testing.T) {
	t.Parallel()
	cfg := newApp(t, map[string]string{
		"db/migrate/001_items.sql": "CREATE TABLE items (id bigint, sku text);\nINSERT INTO items VALUES (1, 'a'), (2, 'a');",
		"db/migrate/002_sku.sql":   "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS items_sku ON items (sku);",
	})
	_, err := Run(context.Background(), cfg, PreDeploy, nil)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Error(), "the INVALID index it left was dropped (items_sku)") {
		t.Fatalf("got %v, want the duplicate key error saying the INVALID index was dropped", err)
	}
	conn := dbConn(t, cfg)
	if n := queryInt(t, conn, "SELECT count(*) FROM pg_class WHERE relname = 'items_sku'"); n != 0 {
		t.Fatalf("the failed build's index is still there")
	}
	if _, err := conn.Exec(context.Background(), "DELETE FROM items WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	mustRun(t, cfg, PreDeploy)
	if n := queryInt(t, conn, "SELECT count(*) FROM pg_index WHERE indexrelid = 'items_sku'::regclass AND indisvalid"); n != 1 {
		t.Fatal("run again once the data is fixed: no valid index")
	}
}

// TestInvalidIndexFoundIsRefused: an INVALID index already there (a build cut short before) is
// not taken for done by CREATE INDEX CONCURRENTLY IF NOT EXISTS: the file fails, saying to drop it.
func TestInvalidIndexFoundIsRefused(t *testing.T) {
	t.Parallel()
	cfg, conn := withInvalidIndex(t, "items_sku")
	writeFile(t, cfg, "db/migrate/002_sku.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS items_sku ON items (sku);")
	_, err := Run(context.Background(), cfg, PreDeploy, nil)
	if err == nil || !strings.Contains(err.Error(), "exists but is INVALID") || !strings.Contains(err.Error(), "DROP INDEX CONCURRENTLY items_sku") {
		t.Fatalf("got %v, want the INVALID index named, with how to drop it", err)
	}
	if n := queryInt(t, conn, "SELECT count(*) FROM cutover_schema_migrations WHERE name = '002_sku.sql'"); n != 0 {
		t.Fatal("the file was recorded as applied")
	}
}

// TestConcurrentIndex reads the table and index a CREATE INDEX CONCURRENTLY builds.
func TestConcurrentIndex(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want concurrent
		ok   bool
	}{
		{`CREATE INDEX CONCURRENTLY i ON t (a)`, concurrent{table: `"t"`, index: "i"}, true},
		{`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "I x" ON s."T" (a)`, concurrent{table: `"s"."T"`, index: "I x", ifNotExists: true}, true},
		{`CREATE INDEX CONCURRENTLY ON t (a)`, concurrent{table: `"t"`}, true},
		{`CREATE INDEX i ON t (a)`, concurrent{}, false},
		{`SELECT 1`, concurrent{}, false},
	} {
		got, ok := concurrentIndex(tc.sql)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: got %+v %v, want %+v %v", tc.sql, got, ok, tc.want, tc.ok)
		}
	}
}

// TestLeftBehindNamesOnlyItsOwn: of the INVALID indexes on the table after a failed statement,
// only the one it names is dropped; another (a DBA's build cut short) is left.
func TestLeftBehindNamesOnlyItsOwn(t *testing.T) {
	t.Parallel()
	cfg, conn := withInvalidIndex(t, "other_sku")
	writeFile(t, cfg, "db/migrate/002_sku.sql", "CREATE UNIQUE INDEX CONCURRENTLY items_sku ON items (sku);")
	_, err := Run(context.Background(), cfg, PreDeploy, nil)
	if err == nil || !strings.Contains(err.Error(), "dropped (items_sku)") {
		t.Fatalf("got %v, want its own index dropped", err)
	}
	if n := queryInt(t, conn, "SELECT count(*) FROM pg_class WHERE relname = 'other_sku'"); n != 1 {
		t.Error("the other INVALID index was dropped")
	}
}

// withInvalidIndex applies a table of duplicate values and leaves on it the INVALID index name, as
// a unique index built over them concurrently leaves it; it returns the app and a connection.
func withInvalidIndex(t *testing.T, name string) (Config, *pgx.Conn) {
	t.Helper()
	cfg := newApp(t, map[string]string{
		"db/migrate/001_items.sql": "CREATE TABLE items (id bigint, sku text);\nINSERT INTO items VALUES (1, 'a'), (2, 'a');",
	})
	mustRun(t, cfg, PreDeploy)
	conn := dbConn(t, cfg)
	if _, err := conn.Exec(context.Background(), "CREATE UNIQUE INDEX CONCURRENTLY "+name+" ON items (sku)"); err == nil {
		t.Fatal("a unique index over duplicates was built")
	}
	return cfg, conn
}
