package lint

import (
	"fmt"
)

var enumRenameInfo = RuleInfo{
	Code:     "CO111",
	Severity: Error,
	Summary:  "ALTER TYPE ... RENAME VALUE breaks the release that still writes or compares the old label",
}

// enumRename flags ALTER TYPE ... RENAME VALUE: from COMMIT, a release that
// writes the old label fails ("invalid input value for enum") and one that
// compares with it finds nothing. Before the switch that is the old release;
// after it, the new release was already writing the new label that did not
// exist yet. No phase makes it safe.
//
// Lock: none on tables; the enum's pg_enum row is updated (checked against
// PostgreSQL in TestOnPostgres).
type enumRename struct{}

// Check implements Rule.
func (enumRename) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		ae := st.Node.GetAlterEnumStmt()
		if ae == nil || ae.OldVal == "" {
			continue
		}
		typ := joinNames(ae.TypeName)
		out = append(out, f.finding(enumRenameInfo, st,
			fmt.Sprintf("renames label %q of enum %q to %q: from COMMIT, writes of %q fail and comparisons with it match nothing, for whichever release still uses it", ae.OldVal, typ, ae.NewVal, ae.OldVal),
			fmt.Sprintf("ALTER TYPE %s ADD VALUE %q, ship a release that writes %q and reads both, UPDATE the rows in batches, and stop using %q (an enum label cannot be dropped; a lookup table or text with a CHECK is easier to change)", typ, ae.NewVal, ae.NewVal, ae.OldVal)))
	}
	return out
}
