package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var renameColumnInfo = RuleInfo{
	Code:     "CO103",
	Severity: Error,
	Summary:  "RENAME COLUMN breaks the serving release, which still uses the old name",
}

// renameColumn flags ALTER TABLE ... RENAME COLUMN. A rename is never safe
// while any release runs: before the switch the old release uses the old
// name, after it the new release was started against the old name too.
//
// Lock: ACCESS EXCLUSIVE on the table (ALTER TABLE reference: RENAME).
type renameColumn struct{}

// Check implements Rule.
func (renameColumn) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		rs := st.Node.GetRenameStmt()
		if rs == nil || rs.RenameType != pg.ObjectType_OBJECT_COLUMN || !f.existing(rs.Relation, st) {
			continue
		}
		table := relName(rs.Relation)
		out = append(out, f.finding(renameColumnInfo, st,
			fmt.Sprintf("renames column %q of %q to %q: %s still uses %q and its queries fail (ACCESS EXCLUSIVE lock on %q)",
				rs.Subname, table, rs.Newname, f.serving(), rs.Subname, table),
			fmt.Sprintf("add %q as a new column, write both and backfill in batches, move reads to %q in a release, then drop %q post-deploy", rs.Newname, rs.Newname, rs.Subname)))
	}
	return out
}
