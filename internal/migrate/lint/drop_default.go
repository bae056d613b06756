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
// DEFAULT), held briefly. A default set again in the same statement or later
// in the same transaction is never missing to the serving release.
type dropDefault struct{}

// Check implements Rule.
func (dropDefault) Check(f *File) []Finding {
	if !f.pre() {
		return nil
	}
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		if cmd.Subtype != pg.AlterTableType_AT_ColumnDefault || cmd.Def != nil || !f.existing(rel, st) ||
			f.setsDefaultAgain(st, relKey(rel), cmd.Name) {
			return
		}
		out = append(out, f.finding(dropDefaultInfo, st,
			fmt.Sprintf("drops the default of %q.%q while the old release still serves: its INSERTs that omit %q now store NULL or fail a NOT NULL (ACCESS EXCLUSIVE lock)", relName(rel), cmd.Name, cmd.Name),
			fmt.Sprintf("ship a release that always sets %q first, then drop the default in a post-deploy migration (db/post_migrate)", cmd.Name)))
	})
	return out
}

// setsDefaultAgain reports whether st or a later statement in its
// transaction sets a default on column col of table key.
func (f *File) setsDefaultAgain(st *Statement, key, col string) bool {
	return f.laterInTx(st, func(s *Statement) bool {
		at := s.Node.GetAlterTableStmt()
		if at == nil || relKey(at.Relation) != key {
			return false
		}
		for _, c := range at.Cmds {
			cmd := c.GetAlterTableCmd()
			if cmd.GetSubtype() == pg.AlterTableType_AT_ColumnDefault && cmd.Name == col && cmd.Def != nil {
				return true
			}
		}
		return false
	})
}
