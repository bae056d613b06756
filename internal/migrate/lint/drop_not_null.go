package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var dropNotNullInfo = RuleInfo{
	Code:     "CO114",
	Severity: Warning,
	Summary:  "DROP NOT NULL lets the new release write NULLs that the old one, after a rollback, does not expect",
}

// dropNotNull flags ALTER COLUMN ... DROP NOT NULL on an existing table. It
// is safe for the release serving now, but once the new release writes
// NULLs, rolling back to a release that assumed the column is never NULL
// brings errors (nil dereferences, failed NOT NULL checks in code). Whether
// that matters depends on the application, hence a warning.
//
// Lock: ACCESS EXCLUSIVE on the table, held briefly (ALTER TABLE reference:
// DROP NOT NULL), checked against PostgreSQL in TestOnPostgres.
type dropNotNull struct{}

// Check implements Rule.
func (dropNotNull) Check(f *File) []Finding {
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		if cmd.Subtype != pg.AlterTableType_AT_DropNotNull || !f.existing(rel, st) {
			return
		}
		out = append(out, f.finding(dropNotNullInfo, st,
			fmt.Sprintf("drops NOT NULL from %q.%q: once the new release writes NULL there, a rollback to a release that assumes %q is never NULL reads values it does not expect (brief ACCESS EXCLUSIVE lock)", relName(rel), cmd.Name, cmd.Name),
			fmt.Sprintf("make sure the releases you may roll back to handle NULL in %q (or keep writing a value until they are gone), then silence this with a reason", cmd.Name)))
	})
	return out
}
