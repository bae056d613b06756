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
//
// ADD COLUMN ... REFERENCES with a non-NULL default is flagged too: every
// existing row gets the default, and PostgreSQL checks each against the
// referenced table under ADD COLUMN's ACCESS EXCLUSIVE lock. Without a
// default every row holds NULL, which needs no check.
type foreignKey struct{}

// Check implements Rule.
func (foreignKey) Check(f *File) []Finding {
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		if cd := cmd.Def.GetColumnDef(); cmd.Subtype == pg.AlterTableType_AT_AddColumn && f.existing(rel, st) {
			out = append(out, f.columnForeignKeys(st, rel, cd)...)
			return
		}
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

// columnForeignKeys flags REFERENCES inside ADD COLUMN cd when the column
// gets a non-NULL default.
func (f *File) columnForeignKeys(st *Statement, rel *pg.RangeVar, cd *pg.ColumnDef) []Finding {
	def := defaultExpr(cd)
	if def == nil || isNullConst(def) {
		return nil
	}
	var out []Finding
	for _, c := range cd.Constraints {
		con := c.GetConstraint()
		if con.GetContype() != pg.ConstrType_CONSTR_FOREIGN || con.SkipValidation {
			continue
		}
		table, ref := relName(rel), relName(con.Pktable)
		out = append(out, f.finding(foreignKeyInfo, st,
			fmt.Sprintf("adds column %q to %q referencing %q with a default: every existing row gets the default and is checked against %q under an ACCESS EXCLUSIVE lock on %q (reads and writes wait) and SHARE ROW EXCLUSIVE on %q",
				cd.Colname, table, ref, ref, table, ref),
			fmt.Sprintf("add %q without REFERENCES, then ADD CONSTRAINT ... FOREIGN KEY (%s) REFERENCES %s NOT VALID and VALIDATE CONSTRAINT in a separate transaction or file (SHARE UPDATE EXCLUSIVE on %q; writes continue)", cd.Colname, cd.Colname, ref, table)))
	}
	return out
}
