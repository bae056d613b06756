package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var renameTableInfo = RuleInfo{
	Code:     "CO104",
	Severity: Error,
	Summary:  "RENAME TABLE (or VIEW) breaks the serving release, which still uses the old name",
}

// renameTable flags ALTER TABLE ... RENAME TO (and the same for views): the
// serving release queries the old name and fails.
//
// Lock: ACCESS EXCLUSIVE on the relation (ALTER TABLE reference: RENAME).
type renameTable struct{}

// Check implements Rule.
func (renameTable) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		rs := st.Node.GetRenameStmt()
		if rs == nil || !f.existing(rs.Relation, st) {
			continue
		}
		switch rs.RenameType {
		case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW:
		default:
			continue
		}
		old := relName(rs.Relation)
		out = append(out, f.finding(renameTableInfo, st,
			fmt.Sprintf("renames %q to %q: %s still queries %q and fails (ACCESS EXCLUSIVE lock)", old, rs.Newname, f.serving(), old),
			fmt.Sprintf("in one transaction, rename it and CREATE VIEW %q AS SELECT * FROM %q (a simple view is updatable), so both names work; drop the view post-deploy once no release uses %q", old, rs.Newname, old)))
	}
	return out
}
