package migrate

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// A CREATE INDEX CONCURRENTLY that fails (a lock timeout, a duplicate key, a cancel) leaves its
// index behind, INVALID: never used by queries, still updated by every write. Run drops what the
// failed statement left before it retries or reports, so a retry builds the index again instead
// of finding a name taken (or, with IF NOT EXISTS, skipping it and recording the file as applied
// with no usable index). An index a statement with IF NOT EXISTS finds INVALID (left by a build
// cut short earlier, by a crash say) fails the file, saying how to drop it.

// concurrentIndex returns the table and, when the statement names one, the index a CREATE INDEX
// CONCURRENTLY builds, each quoted for SQL; ok is false for any other statement.
func concurrentIndex(stmt string) (table, index string, ifNotExists, ok bool) {
	tree, err := pg_query.Parse(stmt)
	if err != nil || len(tree.Stmts) != 1 {
		return "", "", false, false
	}
	is := tree.Stmts[0].Stmt.GetIndexStmt()
	if is == nil || !is.Concurrent || is.Relation == nil {
		return "", "", false, false
	}
	rel := is.Relation
	table = quoted(rel.Schemaname, rel.Relname)
	if is.Idxname != "" {
		index = quoted(rel.Schemaname, is.Idxname) // an index lives in its table's schema
	}
	return table, index, is.IfNotExists, true
}

// quoted returns name, qualified by schema when there is one, quoted for SQL.
func quoted(schema, name string) string {
	if schema == "" {
		return pgx.Identifier{name}.Sanitize()
	}
	return pgx.Identifier{schema, name}.Sanitize()
}

// invalidIndexes returns the INVALID indexes of table, by oid; nil when they cannot be read.
func invalidIndexes(ctx context.Context, conn *pgx.Conn, table string) map[uint32]string {
	rows, err := conn.Query(ctx, `SELECT indexrelid, indexrelid::regclass::text FROM pg_index
		WHERE indrelid = to_regclass($1) AND NOT indisvalid`, table)
	if err != nil {
		return nil
	}
	out := map[uint32]string{}
	var oid uint32
	var name string
	_, err = pgx.ForEachRow(rows, []any{&oid, &name}, func() error { out[oid] = name; return nil })
	if err != nil {
		return nil
	}
	return out
}

// dropLeftBehind drops the INVALID indexes of table that were not among before, and returns what
// it dropped and what it could not.
func dropLeftBehind(ctx context.Context, conn *pgx.Conn, table string, before map[uint32]string) (dropped, left []string) {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	for oid, name := range invalidIndexes(cctx, conn, table) {
		if _, old := before[oid]; old {
			continue
		}
		if err := conn.PgConn().Exec(cctx, "DROP INDEX CONCURRENTLY IF EXISTS "+name).Close(); err != nil {
			left = append(left, name)
			continue
		}
		dropped = append(dropped, name)
	}
	return dropped, left
}

// checkValid fails when index exists and is INVALID: a CREATE INDEX CONCURRENTLY IF NOT EXISTS
// that found it did nothing.
func checkValid(ctx context.Context, conn *pgx.Conn, index string) error {
	var valid bool
	err := conn.QueryRow(ctx, `SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)`, index).Scan(&valid)
	if err != nil || valid {
		return nil // no such index (another statement's business), or a valid one
	}
	return fmt.Errorf("index %s exists but is INVALID, left by a build cut short earlier, so IF NOT EXISTS skipped it: "+
		"drop it (DROP INDEX CONCURRENTLY %s) and deploy again", index, index)
}

// leftNote says what became of the INVALID indexes a failed statement left.
func leftNote(dropped, left []string) string {
	var notes []string
	if len(dropped) > 0 {
		notes = append(notes, "the INVALID index it left was dropped ("+strings.Join(dropped, ", ")+")")
	}
	if len(left) > 0 {
		notes = append(notes, "it left an INVALID index that could not be dropped: DROP INDEX CONCURRENTLY "+strings.Join(left, ", ")+" by hand")
	}
	return strings.Join(notes, "; ")
}
