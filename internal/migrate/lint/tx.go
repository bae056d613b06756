package lint

import (
	"strconv"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// RunsInTransaction reports whether cutover's runner wraps the migration src
// in one transaction: it does unless the file contains CONCURRENTLY or
// VACUUM (which PostgreSQL refuses inside a transaction block) or controls
// transactions itself with BEGIN, COMMIT or the like. The runner asks this
// very function, so the two never disagree. Lint applies the same rule when
// Options.InTransaction is set. A file that does not parse returns a
// *SyntaxError.
func RunsInTransaction(src []byte) (bool, error) {
	tree, err := pg.Parse(string(src))
	if err != nil {
		return false, syntaxError("", string(src), err)
	}
	nodes := make([]*pg.Node, len(tree.Stmts))
	for i, raw := range tree.Stmts {
		nodes[i] = raw.Stmt
	}
	return wrappable(nodes), nil
}

// wrappable is RunsInTransaction on parsed statements.
func wrappable(nodes []*pg.Node) bool {
	for _, n := range nodes {
		if n.GetTransactionStmt() != nil || n.GetVacuumStmt() != nil || concurrently(n) {
			return false
		}
	}
	return true
}

// concurrently reports whether a statement uses CONCURRENTLY.
func concurrently(n *pg.Node) bool {
	switch s := n.Node.(type) {
	case *pg.Node_IndexStmt:
		return s.IndexStmt.Concurrent
	case *pg.Node_DropStmt:
		return s.DropStmt.Concurrent
	case *pg.Node_ReindexStmt:
		return hasOption(s.ReindexStmt.Params, "concurrently")
	case *pg.Node_RefreshMatViewStmt:
		return s.RefreshMatViewStmt.Concurrent
	case *pg.Node_AlterTableStmt:
		for _, c := range s.AlterTableStmt.Cmds {
			if c.GetAlterTableCmd().GetDef().GetPartitionCmd().GetConcurrent() {
				return true
			}
		}
	}
	return false
}

// notInTransaction names a statement PostgreSQL refuses to run inside a
// transaction block, or returns "" for any other statement.
func notInTransaction(n *pg.Node) string {
	switch s := n.Node.(type) {
	case *pg.Node_IndexStmt:
		if s.IndexStmt.Concurrent {
			return "CREATE INDEX CONCURRENTLY"
		}
	case *pg.Node_DropStmt:
		if s.DropStmt.Concurrent {
			return "DROP INDEX CONCURRENTLY"
		}
	case *pg.Node_ReindexStmt:
		return reindexOutsideTx(s.ReindexStmt)
	case *pg.Node_AlterTableStmt:
		for _, c := range s.AlterTableStmt.Cmds {
			if c.GetAlterTableCmd().GetDef().GetPartitionCmd().GetConcurrent() {
				return "DETACH PARTITION CONCURRENTLY"
			}
		}
	case *pg.Node_VacuumStmt:
		if s.VacuumStmt.IsVacuumcmd {
			return "VACUUM"
		}
	case *pg.Node_CreatedbStmt:
		return "CREATE DATABASE"
	case *pg.Node_DropdbStmt:
		return "DROP DATABASE"
	case *pg.Node_CreateTableSpaceStmt:
		return "CREATE TABLESPACE"
	case *pg.Node_DropTableSpaceStmt:
		return "DROP TABLESPACE"
	case *pg.Node_AlterSystemStmt:
		return "ALTER SYSTEM"
	}
	return ""
}

// reindexOutsideTx names the REINDEX forms PostgreSQL refuses in a
// transaction block.
func reindexOutsideTx(r *pg.ReindexStmt) string {
	switch {
	case hasOption(r.Params, "concurrently"):
		return "REINDEX CONCURRENTLY"
	case r.Kind == pg.ReindexObjectType_REINDEX_OBJECT_SCHEMA:
		return "REINDEX SCHEMA"
	case r.Kind == pg.ReindexObjectType_REINDEX_OBJECT_DATABASE:
		return "REINDEX DATABASE"
	case r.Kind == pg.ReindexObjectType_REINDEX_OBJECT_SYSTEM:
		return "REINDEX SYSTEM"
	}
	return ""
}

// groupTransactions numbers the transactions the statements run in: one for
// the whole file when the runner wraps it, else one per explicit BEGIN.
func (f *File) groupTransactions() {
	f.txBegin = map[int]int{}
	nodes := make([]*pg.Node, len(f.Statements))
	for i, st := range f.Statements {
		nodes[i] = st.Node
	}
	if f.Options.InTransaction && wrappable(nodes) {
		f.txBegin[1] = 0
		for _, st := range f.Statements {
			st.Tx = 1
		}
		return
	}
	next, cur := 0, 0
	for _, st := range f.Statements {
		ts := st.Node.GetTransactionStmt()
		if ts == nil {
			st.Tx = cur
			continue
		}
		switch ts.Kind {
		case pg.TransactionStmtKind_TRANS_STMT_BEGIN, pg.TransactionStmtKind_TRANS_STMT_START:
			if cur == 0 {
				next++
				cur = next
				f.txBegin[cur] = st.Line
			}
			st.Tx = cur
		case pg.TransactionStmtKind_TRANS_STMT_COMMIT, pg.TransactionStmtKind_TRANS_STMT_ROLLBACK,
			pg.TransactionStmtKind_TRANS_STMT_PREPARE:
			st.Tx = cur
			cur = 0
			if ts.Chain {
				next++
				cur = next
				f.txBegin[cur] = st.Line
			}
		default:
			st.Tx = cur
		}
	}
	if cur != 0 {
		f.openTx = cur
	}
}

// txWhere describes the transaction a statement runs in, for a Why.
func (f *File) txWhere(tx int) string {
	if line := f.txBegin[tx]; line > 0 {
		return "inside the transaction opened on line " + strconv.Itoa(line)
	}
	return "inside the transaction the runner wraps the file in"
}

// laterInTx reports whether match holds for st itself or a statement after it
// in the same transaction: what that statement does is seen by others only
// together with st, at COMMIT. A statement outside a transaction has only
// itself.
func (f *File) laterInTx(st *Statement, match func(*Statement) bool) bool {
	if match(st) {
		return true
	}
	if st.Tx == 0 {
		return false
	}
	for _, s := range f.Statements[st.index+1:] {
		if s.Tx != st.Tx {
			return false
		}
		if match(s) {
			return true
		}
	}
	return false
}
