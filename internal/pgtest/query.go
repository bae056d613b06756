package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Exec runs sql (one or more statements, without arguments: the simple protocol) on the database at
// url, failing the test on an error.
func Exec(tb testing.TB, url, sql string) {
	tb.Helper()
	conn := dial(tb, url)
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

// QueryInt returns the one integer sql selects on the database at url, failing the test on an error.
func QueryInt(tb testing.TB, url, sql string, args ...any) int {
	tb.Helper()
	conn := dial(tb, url)
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	return n
}

// HasColumn reports whether table has column in the database at url.
func HasColumn(tb testing.TB, url, table, column string) bool {
	tb.Helper()
	return QueryInt(tb, url, "SELECT count(*) FROM information_schema.columns WHERE table_name = $1 AND column_name = $2",
		table, column) == 1
}

func dial(tb testing.TB, url string) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		tb.Fatalf("pgtest: connect to %s: %v", url, err)
	}
	return conn
}
