package capture

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cutover-dev/cutover/internal/pgtest"
)

// fixtureLog is a jsonlog as PostgreSQL 15 writes it with log_statement = 'all' (fields trimmed).
const fixtureLog = `{"timestamp":"2026-12-05 13:00:00.001 UTC","user":"postgres","dbname":"app","pid":10,"session_id":"a.1","error_severity":"LOG","message":"statement: CREATE DATABASE app","application_name":"cutover-capture","backend_type":"client backend"}
{"timestamp":"2026-12-05 13:00:00.002 UTC","pid":11,"session_id":"b.1","error_severity":"LOG","message":"connection authorized: user=postgres database=app","backend_type":"client backend"}
{"timestamp":"2026-12-05 13:00:00.003 UTC","pid":11,"session_id":"b.1","error_severity":"LOG","message":"statement: BEGIN","application_name":"bin/rails","backend_type":"client backend"}
{"timestamp":"2026-12-05 13:00:00.004 UTC","pid":11,"session_id":"b.1","error_severity":"LOG","message":"statement: ALTER TABLE \"posts\" DROP COLUMN \"body\"","application_name":"bin/rails","backend_type":"client backend"}
{"timestamp":"2026-12-05 13:00:00.005 UTC","pid":11,"session_id":"b.1","error_severity":"LOG","message":"execute <unnamed>: INSERT INTO \"schema_migrations\" (\"version\") VALUES ($1) RETURNING \"version\"","detail":"parameters: $1 = '20261205120000'","application_name":"bin/rails","backend_type":"client backend"}
{"timestamp":"2026-12-05 13:00:00.006 UTC","pid":11,"session_id":"b.1","error_severity":"LOG","message":"statement: COMMIT","application_name":"bin/rails","backend_type":"client backend"}
{"timestamp":"2026-12-05 13:00:00.007 UTC","pid":12,"session_id":"c.1","error_severity":"LOG","message":"statement: BEGIN; CREATE INDEX i ON t (a); COMMIT","backend_type":"client backend"}
`

func TestReadLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "postgresql.json")
	if err := os.WriteFile(path, []byte(fixtureLog), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadLog(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Statement{
		{Session: "b.1", SQL: "BEGIN", Tx: 1},
		{Session: "b.1", SQL: `ALTER TABLE "posts" DROP COLUMN "body"`, Tx: 1},
		{Session: "b.1", SQL: `INSERT INTO "schema_migrations" ("version") VALUES ($1) RETURNING "version"`,
			Params: []string{"'20261205120000'"}, Tx: 1},
		{Session: "b.1", SQL: "COMMIT", Tx: 1},
		{Session: "c.1", SQL: "BEGIN", Tx: 2},
		{Session: "c.1", SQL: "CREATE INDEX i ON t (a)", Tx: 2},
		{Session: "c.1", SQL: "COMMIT", Tx: 2},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%#v\nwant\n%#v", got, want)
	}
}

func TestReadLogRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "postgresql.json")
	if err := os.WriteFile(path, []byte("not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLog(path); err == nil {
		t.Error("got no error for a line that is not JSON")
	}
}

func TestBoundary(t *testing.T) {
	for stmt, want := range map[string]string{
		"BEGIN": "begin", "begin;": "begin", "START TRANSACTION ISOLATION LEVEL SERIALIZABLE": "begin",
		"COMMIT": "end", "end": "end", "ROLLBACK": "end", "ABORT": "end",
		"ROLLBACK TO SAVEPOINT a": "", "COMMIT PREPARED 'x'": "", "SAVEPOINT a": "", "SELECT 1": "",
	} {
		if got := boundary(stmt); got != want {
			t.Errorf("boundary(%q): got %q, want %q", stmt, got, want)
		}
	}
}

func TestParseParams(t *testing.T) {
	got := parseParams(`parameters: $1 = 'it''s', $2 = NULL, $3 = '3'`)
	want := []string{"'it''s'", "NULL", "'3'"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestReadLogExtendedProtocol checks, on a real server's jsonlog, that a statement sent with bound
// parameters (as ActiveRecord sends its schema_migrations INSERT) is read with its parameters and
// attributed, and that cutover's own connections are left out.
func TestReadLogExtendedProtocol(t *testing.T) {
	s := startScratch(t)
	pgtest.Exec(t, s.URL(), "CREATE TABLE schema_migrations (version varchar PRIMARY KEY)")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.URL()+"&application_name=bin%2Frails")
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `INSERT INTO "schema_migrations" ("version") VALUES ($1)`, "20261205120000")
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	stmts, err := ReadLogDir(s.LogDir())
	if err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, m := range Attribute(t.TempDir(), stmts) {
		versions = append(versions, m.Framework+" "+m.Version)
	}
	// The CREATE TABLE ran on a connection without AppName, so it is the release command's own.
	want := []string{"rails 20261205120000", " "}
	if !reflect.DeepEqual(versions, want) {
		t.Errorf("got %q, want %q; statements: %+v", versions, want, stmts)
	}
}
