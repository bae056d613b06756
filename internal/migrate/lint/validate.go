package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var validateInfo = RuleInfo{
	Code:     "CO206",
	Severity: Error,
	Summary:  "VALIDATE CONSTRAINT in the same transaction as its ADD ... NOT VALID keeps the add's lock during the scan",
}

// validate flags ALTER TABLE ... VALIDATE CONSTRAINT run in the same
// transaction as the ADD CONSTRAINT ... NOT VALID that created it. Locks last
// until the transaction ends, so the add's strong lock is still held while
// validation scans the table, undoing the point of NOT VALID.
//
// Lock: VALIDATE takes SHARE UPDATE EXCLUSIVE (ALTER TABLE reference), but
// the add already holds ACCESS EXCLUSIVE (CHECK) or SHARE ROW EXCLUSIVE on
// both tables (FOREIGN KEY) until COMMIT.
type validate struct{}

// added is an ADD CONSTRAINT ... NOT VALID seen earlier in the file.
type added struct {
	tx, line int
	lock     lockMode
}

// Check implements Rule.
func (validate) Check(f *File) []Finding {
	var out []Finding
	adds := map[string]added{}
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		switch cmd.Subtype {
		case pg.AlterTableType_AT_AddConstraint:
			if con := cmd.Def.GetConstraint(); con.GetSkipValidation() && con.Conname != "" {
				adds[relKey(rel)+"\x00"+con.Conname] = added{st.Tx, st.Line, alterCmdLock(cmd)}
			}
		case pg.AlterTableType_AT_ValidateConstraint:
			a, ok := adds[relKey(rel)+"\x00"+cmd.Name]
			if !ok || st.Tx == 0 || a.tx != st.Tx {
				return
			}
			out = append(out, f.finding(validateInfo, st,
				fmt.Sprintf("validates %q on %q in the same transaction that added it on line %d: the add's %s lock is held until COMMIT, through the whole validation scan (%s)",
					cmd.Name, relName(rel), a.line, a.lock, a.lock.effect()),
				fmt.Sprintf("commit after the ADD ... NOT VALID and validate %q in a separate transaction or migration file", cmd.Name)))
		}
	})
	return out
}
