package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var checkInfo = RuleInfo{
	Code:     "CO205",
	Severity: Error,
	Summary:  "ADD CHECK without NOT VALID blocks reads and writes while every row is checked",
}

// check flags ALTER TABLE ... ADD CHECK without NOT VALID on an existing
// table: PostgreSQL checks every row before the statement ends.
//
// Lock: ACCESS EXCLUSIVE on the table for the whole scan (ALTER TABLE
// reference: "most forms of ADD table_constraint require an ACCESS EXCLUSIVE
// lock"). VALIDATE CONSTRAINT takes only SHARE UPDATE EXCLUSIVE.
type check struct{}

// Check implements Rule.
func (check) Check(f *File) []Finding {
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		con := cmd.Def.GetConstraint()
		if cmd.Subtype != pg.AlterTableType_AT_AddConstraint || con.GetContype() != pg.ConstrType_CONSTR_CHECK ||
			con.SkipValidation || !f.existing(rel, st) {
			return
		}
		out = append(out, f.finding(checkInfo, st,
			fmt.Sprintf("adds CHECK %s to %q without NOT VALID: PostgreSQL checks every row under an ACCESS EXCLUSIVE lock (reads and writes wait)", conName(con), relName(rel)),
			"add it with NOT VALID (brief lock, no scan; new writes are checked at once), then VALIDATE CONSTRAINT in a separate transaction or file (SHARE UPDATE EXCLUSIVE; traffic continues)"))
	})
	return out
}
