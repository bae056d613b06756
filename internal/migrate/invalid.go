package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// A CREATE INDEX CONCURRENTLY that fails (a lock timeout, a duplicate key, a cancel) leaves its
// index behind, INVALID: never used by queries, still updated by every write. Run drops what the
// failed statement left before it retries or reports, so a retry builds the index again instead
// of finding the name taken (or, with IF NOT EXISTS, skipping it and recording the file as applied
// with no usable index). It drops only an index the statement made: new since it started, named
// as the statement names it (or, for one it leaves PostgreSQL to name, new on the table), and
// never while another session builds an index on the table, whose index is INVALID until done.
// An index a statement with IF NOT EXISTS finds INVALID fails the file, saying how to drop it.

// duplicateObject is the SQLSTATE of a name already taken: the index is someone else's.
const duplicateObject = "42P07"

// concurrentIndex reads a CREATE INDEX CONCURRENTLY: the table, quoted for SQL, and the index name
// as PostgreSQL stores it ("" when the statement leaves it to PostgreSQL); ok is false for any
// other statement.
func concurrentIndex(stmt string) (c concurrent, ok bool) {
	tree, err := pg_query.Parse(stmt)
	if err != nil || len(tree.Stmts) != 1 {
		return c, false
	}
	is := tree.Stmts[0].Stmt.GetIndexStmt()
	if is == nil || !is.Concurrent || is.Relation == nil {
		return c, false
	}
	rel := is.Relation
	c = concurrent{table: quoted(rel.Schemaname, rel.Relname), index: is.Idxname, ifNotExists: is.IfNotExists}
	return c, true
}

// concurrent is a CREATE INDEX CONCURRENTLY as concurrentIndex reads it.
type concurrent struct {
	table       string // quoted, schema-qualified when written so
	index       string // as stored; "" when PostgreSQL names it
	ifNotExists bool
}

// quoted returns name, qualified by schema when there is one, quoted for SQL.
func quoted(schema, name string) string {
	if schema == "" {
		return pgx.Identifier{name}.Sanitize()
	}
	return pgx.Identifier{schema, name}.Sanitize()
}

// invalidIndexes returns the INVALID indexes of c's table, by oid, with their quoted names.
func invalidIndexes(ctx context.Context, conn *pgx.Conn, c concurrent) (map[uint32]string, error) {
	rows, err := conn.Query(ctx, `SELECT i.indexrelid, i.indexrelid::regclass::text, x.relname FROM pg_index i
		JOIN pg_class x ON x.oid = i.indexrelid WHERE i.indrelid = to_regclass($1) AND NOT i.indisvalid`, c.table)
	if err != nil {
		return nil, err
	}
	out := map[uint32]string{}
	var oid uint32
	var name, relname string
	_, err = pgx.ForEachRow(rows, []any{&oid, &name, &relname}, func() error {
		if c.index == "" || relname == c.index {
			out[oid] = name
		}
		return nil
	})
	return out, err
}

// othersBuilding reports whether another session is building an index on c's table now.
func othersBuilding(ctx context.Context, conn *pgx.Conn, c concurrent) (bool, error) {
	var n int
	err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_progress_create_index
		WHERE relid = to_regclass($1) AND pid <> pg_backend_pid()`, c.table).Scan(&n)
	return n > 0, err
}

// dropLeftBehind drops the INVALID index the failed statement c left (one not among before), and
// says what became of it; stuck is true when one is left, so a retry would only trip on it.
func dropLeftBehind(ctx context.Context, conn *pgx.Conn, c concurrent, before map[uint32]string, failed error) (note string, stuck bool) {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	if pgErr := (*pgconn.PgError)(nil); errors.As(failed, &pgErr) && pgErr.Code == duplicateObject {
		return "", false // the name was taken: the index is not this statement's
	}
	lookBy := "look with \\d on the table, and DROP INDEX CONCURRENTLY an INVALID index this statement left before deploying again"
	now, err := invalidIndexes(cctx, conn, c)
	if before == nil || err != nil {
		return fmt.Sprintf("it may have left an INVALID index, which could not be looked for (%v): %s", err, lookBy), true
	}
	var left []string
	for oid, name := range now {
		if _, old := before[oid]; !old {
			left = append(left, name)
		}
	}
	if len(left) == 0 {
		return "", false
	}
	if busy, err := othersBuilding(cctx, conn, c); busy || err != nil {
		return "another session is building an index on the table, so nothing was dropped: " + lookBy, true
	}
	var dropped []string
	for _, name := range left {
		if err := conn.PgConn().Exec(cctx, "DROP INDEX CONCURRENTLY IF EXISTS "+name).Close(); err != nil {
			return fmt.Sprintf("it left the INVALID index %s, which could not be dropped (%v): DROP INDEX CONCURRENTLY %s before deploying again", name, err, name), true
		}
		dropped = append(dropped, name)
	}
	return fmt.Sprintf("the INVALID index it left was dropped (%s)", strings.Join(dropped, ", ")), false
}

// checkValid fails when c's named index exists on its table and is INVALID: a CREATE INDEX
// CONCURRENTLY IF NOT EXISTS that found it did nothing. An index another session is still
// building is said to be so.
func checkValid(ctx context.Context, conn *pgx.Conn, c concurrent) error {
	var name string
	var valid, building bool
	err := conn.QueryRow(ctx, `SELECT i.indexrelid::regclass::text, i.indisvalid,
			EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid AND p.pid <> pg_backend_pid())
		FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
		WHERE i.indrelid = to_regclass($1) AND x.relname = $2`, c.table, c.index).Scan(&name, &valid, &building)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil // on another table or none: not this statement's business
	case err != nil:
		return fmt.Errorf("check that index %s is valid: %w", c.index, err)
	case valid:
		return nil
	case building:
		return fmt.Errorf("index %s is being built by another session, so IF NOT EXISTS skipped it: deploy again once it is built", name)
	}
	return fmt.Errorf("index %s exists but is INVALID, left by a build cut short earlier, so IF NOT EXISTS skipped it: "+
		"drop it (DROP INDEX CONCURRENTLY %s) and deploy again", name, name)
}
