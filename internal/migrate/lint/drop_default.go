package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var dropDefaultInfo = RuleInfo{
	Code:     "CO108",
	Severity: Error,
	Summary:  "DROP DEFAULT before the switch breaks the old release's INSERTs that rely on the default",
}

// dropDefault flags ALTER COLUMN ... DROP DEFAULT in a pre-deploy
// migration: INSERTs of the old release that omit the column now store NULL
// or, on a NOT NULL column, fail. Post-deploy it is a contract step.
//
// Lock: ACCESS EXCLUSIVE on the table (ALTER TABLE reference: SET/DROP
// DEFAULT), held briefly.
type dropDefault struct{}

// Check implements Rule.
func (dropDefault) Check(f *File) []Finding {
	if !f.pre() {
		return nil
	}
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		if cmd.Subtype != pg.AlterTableType_AT_ColumnDefault || cmd.Def != nil || !f.existing(rel, st) {
			return
		}
		out = append(out, f.finding(dropDefaultInfo, st,
			fmt.Sprintf("drops the default of %q.%q while the old release still serves: its INSERTs that omit %q now store NULL or fail a NOT NULL (ACCESS EXCLUSIVE lock)", relName(rel), cmd.Name, cmd.Name),
			fmt.Sprintf("ship a release that always sets %q first, then drop the default in a post-deploy migration (db/post_migrate)", cmd.Name)))
	})
	return out
}
