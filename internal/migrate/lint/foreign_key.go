package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var foreignKeyInfo = RuleInfo{
	Code:     "CO204",
	Severity: Error,
	Summary:  "ADD FOREIGN KEY without NOT VALID blocks writes to both tables while every row is checked",
}

// foreignKey flags ALTER TABLE ... ADD FOREIGN KEY without NOT VALID on an
// existing table: PostgreSQL checks every existing row while holding locks
// that stop writes to both tables.
//
// Lock: SHARE ROW EXCLUSIVE on the table and on the referenced table (ALTER
// TABLE reference: ADD FOREIGN KEY). With NOT VALID the add skips the scan;
// VALIDATE CONSTRAINT later takes only SHARE UPDATE EXCLUSIVE on the table
// and ROW SHARE on the referenced one.
type foreignKey struct{}

// Check implements Rule.
func (foreignKey) Check(f *File) []Finding {
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		con := cmd.Def.GetConstraint()
		if cmd.Subtype != pg.AlterTableType_AT_AddConstraint || con.GetContype() != pg.ConstrType_CONSTR_FOREIGN ||
			con.SkipValidation || !f.existing(rel, st) {
			return
		}
		table, ref := relName(rel), relName(con.Pktable)
		out = append(out, f.finding(foreignKeyInfo, st,
			fmt.Sprintf("adds foreign key %s from %q to %q without NOT VALID: both tables are locked SHARE ROW EXCLUSIVE (writes wait) while every row of %q is checked",
				conName(con), table, ref, table),
			fmt.Sprintf("add it with NOT VALID (brief lock, no scan), then VALIDATE CONSTRAINT in a separate transaction or file (SHARE UPDATE EXCLUSIVE on %q, ROW SHARE on %q; writes continue)", table, ref)))
	})
	return out
}
