package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var setNotNullInfo = RuleInfo{
	Code:     "CO106",
	Severity: Error,
	Summary:  "SET NOT NULL scans the table under ACCESS EXCLUSIVE and fails the old release's writes of NULL",
}

// setNotNull flags ALTER COLUMN ... SET NOT NULL on an existing table. Before
// the switch the old release may still write NULL, which starts failing; in
// any phase PostgreSQL scans the whole table to check, holding the lock.
// From PostgreSQL 12 a valid CHECK (col IS NOT NULL) lets it skip the scan,
// so the finding goes away when the migrations add and validate one.
//
// Lock: ACCESS EXCLUSIVE on the table (ALTER TABLE reference: SET NOT NULL).
type setNotNull struct{}

// Check implements Rule.
func (setNotNull) Check(f *File) []Finding {
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		if cmd.Subtype != pg.AlterTableType_AT_SetNotNull || !f.existing(rel, st) {
			return
		}
		col := f.before[cmd]
		checked := col != nil && col.notNullCheck != ""
		skipsScan := checked && col.notNullValid && f.Options.TargetVersion >= 12
		if skipsScan {
			return
		}
		table := relName(rel)
		scan := fmt.Sprintf("SET NOT NULL on %q.%q scans the whole table under an ACCESS EXCLUSIVE lock (reads and writes wait)", table, cmd.Name)
		fn := f.finding(setNotNullInfo, st, scan, "")
		if f.pre() && !checked {
			fn.Why += fmt.Sprintf(", and the old release's writes of NULL to %q start failing", cmd.Name)
		} else {
			fn.Severity = Warning
		}
		fn.Fix = fmt.Sprintf("add CHECK (%q IS NOT NULL) NOT VALID, backfill NULLs in batches, VALIDATE CONSTRAINT (SHARE UPDATE EXCLUSIVE; traffic continues), then SET NOT NULL in a later deploy (PostgreSQL 12+ uses the valid CHECK and skips the scan) and drop the CHECK", cmd.Name)
		out = append(out, fn)
	})
	return out
}
