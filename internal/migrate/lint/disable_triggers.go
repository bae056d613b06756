package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var disableTriggersInfo = RuleInfo{
	Code:     "CO305",
	Severity: Error,
	Summary:  "DISABLE TRIGGER ALL turns off foreign-key checks for every writer of the table",
}

// disableTriggers flags ALTER TABLE ... DISABLE TRIGGER ALL: it disables the
// internal triggers that enforce foreign keys, for every session, not just
// the migration's. Rows the serving release writes meanwhile are not checked,
// and nothing checks them later.
//
// Lock: SHARE ROW EXCLUSIVE on the table (ALTER TABLE reference: DISABLE
// TRIGGER), checked against PostgreSQL in TestOnPostgres.
type disableTriggers struct{}

// Check implements Rule.
func (disableTriggers) Check(f *File) []Finding {
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		if cmd.Subtype != pg.AlterTableType_AT_DisableTrigAll || !f.existing(rel, st) {
			return
		}
		out = append(out, f.finding(disableTriggersInfo, st,
			fmt.Sprintf("disables every trigger of %q, foreign-key checks included, for all sessions until re-enabled: rows %s writes meanwhile are not checked (SHARE ROW EXCLUSIVE lock; writes wait)", relName(rel), f.serving()),
			"disable only the application's triggers by name (DISABLE TRIGGER name, or DISABLE TRIGGER USER), or for a bulk load SET session_replication_role = replica in that session only"))
	})
	return out
}
