package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var updateAllInfo = RuleInfo{
	Code:     "CO220",
	Severity: Error,
	Summary:  "UPDATE or DELETE without WHERE on an existing table locks every row in one long transaction",
}

// updateAll flags UPDATE and DELETE without a WHERE clause on a table that
// existed before the file: one statement writes every row, holding each
// row's lock until COMMIT, so the serving release's writes to any row wait,
// and the table doubles in size until vacuum catches up.
//
// Lock: ROW EXCLUSIVE on the table, and a row lock on every row until COMMIT
// (explicit-locking: row-level locks). Checked against PostgreSQL in
// TestOnPostgres.
type updateAll struct{}

// Check implements Rule.
func (updateAll) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		var (
			rel  *pg.RangeVar
			what string
		)
		switch n := st.Node.Node.(type) {
		case *pg.Node_UpdateStmt:
			if n.UpdateStmt.WhereClause == nil {
				rel, what = n.UpdateStmt.Relation, "updates"
			}
		case *pg.Node_DeleteStmt:
			if n.DeleteStmt.WhereClause == nil {
				rel, what = n.DeleteStmt.Relation, "deletes"
			}
		}
		if rel == nil || !f.existing(rel, st) {
			continue
		}
		out = append(out, f.finding(updateAllInfo, st,
			fmt.Sprintf("%s every row of %q in one statement: each row stays locked until COMMIT, so writes of %s to %q wait (ROW EXCLUSIVE lock, row locks on every row)", what, relName(rel), f.serving(), relName(rel)),
			"work in batches of a few thousand rows by key range (WHERE id >= x AND id < y), each in its own transaction, outside the schema change"))
	}
	return out
}
