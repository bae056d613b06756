package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var dropColumnInfo = RuleInfo{
	Code:     "CO101",
	Severity: Error,
	Summary:  "DROP COLUMN before the switch breaks the old release, which still reads the column",
}

// dropColumn flags ALTER TABLE ... DROP COLUMN in a pre-deploy migration.
// The old release keeps serving until the switch and its queries name the
// column, so they fail from the moment the drop commits. Post-deploy, the
// drop is the contract step and fine.
//
// Lock: ACCESS EXCLUSIVE on the table (ALTER TABLE reference), held briefly:
// the column is only marked dropped, the table is not rewritten.
type dropColumn struct{}

// Check implements Rule.
func (dropColumn) Check(f *File) []Finding {
	if !f.pre() {
		return nil
	}
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		if cmd.Subtype != pg.AlterTableType_AT_DropColumn || !f.existing(rel, st) {
			return
		}
		out = append(out, f.finding(dropColumnInfo, st,
			fmt.Sprintf("drops column %q of %q while the old release still serves: its queries that read or write %q fail until the switch (ACCESS EXCLUSIVE lock on %q)",
				cmd.Name, relName(rel), cmd.Name, relName(rel)),
			fmt.Sprintf("ship a release that no longer reads or writes %q first (for ActiveRecord, ignore the column), then drop it in a post-deploy migration (db/post_migrate)", cmd.Name)))
	})
	return out
}
