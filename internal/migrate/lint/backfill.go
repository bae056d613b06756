package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var backfillInfo = RuleInfo{
	Code:     "CO219",
	Severity: Error,
	Summary:  "a backfill (UPDATE, INSERT ... SELECT) in the same transaction as DDL holds the DDL's lock through the whole write",
}

// backfill flags an UPDATE or INSERT ... SELECT on an existing table that
// runs in the same transaction as, and after, a statement that took a
// write-blocking lock on an existing table (ADD COLUMN, a CHECK, an index):
// locks are released only at COMMIT, so a lock meant to last a moment lasts
// as long as the whole table write.
//
// Lock: the earlier statement's lock (often ACCESS EXCLUSIVE), named in the
// finding, held through the backfill; the backfill itself takes ROW
// EXCLUSIVE and row locks.
type backfill struct{}

// Check implements Rule.
func (backfill) Check(f *File) []Finding {
	var out []Finding
	held := map[int]*heldLock{} // transaction -> first write-blocking lock taken in it
	for _, st := range f.Statements {
		if st.Tx == 0 {
			continue
		}
		if table, what := f.bulkWrite(st); table != "" {
			if h := held[st.Tx]; h != nil {
				out = append(out, f.finding(backfillInfo, st,
					fmt.Sprintf("%s %q in the transaction that took %s lock on %q on line %d: that lock is held until COMMIT, through the whole write (%s)", what, table, h.mode.article(), h.table, h.line, h.mode.effect()),
					"commit the schema change first (its own migration file, or COMMIT before the backfill), then backfill in batches of a few thousand rows, each in its own transaction"))
			}
			continue
		}
		if l, ok := strongestLock(f.locks(st)); ok && held[st.Tx] == nil {
			held[st.Tx] = &heldLock{l.table, l.mode, st.Line}
		}
	}
	return out
}

// heldLock is a lock taken earlier in a transaction.
type heldLock struct {
	table string
	mode  lockMode
	line  int
}

// bulkWrite returns the existing table that st writes many rows of, with a
// word for how (an UPDATE, or an INSERT from a SELECT), or "" for anything
// else: an INSERT ... VALUES writes only its rows.
func (f *File) bulkWrite(st *Statement) (table, what string) {
	switch n := st.Node.Node.(type) {
	case *pg.Node_UpdateStmt:
		if f.existing(n.UpdateStmt.Relation, st) {
			return relName(n.UpdateStmt.Relation), "updates"
		}
	case *pg.Node_InsertStmt:
		sel := n.InsertStmt.SelectStmt.GetSelectStmt()
		if sel != nil && len(sel.ValuesLists) == 0 && f.existing(n.InsertStmt.Relation, st) {
			return relName(n.InsertStmt.Relation), "inserts from a SELECT into"
		}
	}
	return "", ""
}
