package lint

import (
	"fmt"
	"strings"
)

var notInTxInfo = RuleInfo{
	Code:     "CO203",
	Severity: Error,
	Summary:  "CONCURRENTLY (or VACUUM and the like) inside a transaction: PostgreSQL refuses it",
}

// notInTx flags statements PostgreSQL refuses inside a transaction block,
// chiefly CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY and REINDEX
// CONCURRENTLY, when they sit between BEGIN and COMMIT or in a file the
// runner wraps in a transaction. The migration fails with "cannot run inside
// a transaction block".
//
// Lock: none is taken; the statement is rejected before it starts.
type notInTx struct{}

// Check implements Rule.
func (notInTx) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		what := notInTransaction(st.Node)
		if what == "" || st.Tx == 0 {
			continue
		}
		fix := "move it out of BEGIN ... COMMIT into a migration file of its own: cutover runs files that contain CONCURRENTLY outside a transaction"
		if !strings.Contains(what, "CONCURRENTLY") {
			fix = fmt.Sprintf("%s is maintenance, not a schema change: run it outside migrations, or alone in a file outside any transaction", what)
		}
		out = append(out, f.finding(notInTxInfo, st,
			fmt.Sprintf("%s cannot run inside a transaction block, and this runs %s: PostgreSQL rejects it and the migration fails", what, f.txWhere(st.Tx)),
			fix))
	}
	return out
}
