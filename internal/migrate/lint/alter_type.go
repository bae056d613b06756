package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var alterTypeInfo = RuleInfo{
	Code:     "CO105",
	Severity: Error,
	Summary:  "ALTER COLUMN TYPE rewrites the table under ACCESS EXCLUSIVE and changes what the serving release reads",
}

// alterType flags ALTER TABLE ... ALTER COLUMN ... TYPE, unless the
// migrations show the change is metadata-only (same type, wider varchar or
// numeric precision). Changes to a character type whose current type is a
// character type or unknown are left to CO303, which knows varchar widening.
//
// Lock: ACCESS EXCLUSIVE on the table (ALTER TABLE reference: SET DATA
// TYPE), held while the table and its indexes are rewritten.
type alterType struct{}

// Check implements Rule.
func (alterType) Check(f *File) []Finding {
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		if cmd.Subtype != pg.AlterTableType_AT_AlterColumnType || !f.existing(rel, st) {
			return
		}
		newType := cmd.Def.GetColumnDef().GetTypeName()
		var oldType *pg.TypeName
		if col := f.before[cmd]; col != nil {
			oldType = col.typ
		}
		if isStringType(typeBase(newType)) && (oldType == nil || isStringType(typeBase(oldType))) {
			return // CO303
		}
		if !rewritingUsing(cmd) && metadataOnly(oldType, newType) {
			return
		}
		was := " (its current type is not in the migrations linted: a rewrite until shown otherwise)"
		if oldType != nil {
			was = fmt.Sprintf(" (was %s)", typeString(oldType))
		}
		out = append(out, f.finding(alterTypeInfo, st,
			fmt.Sprintf("changes column %q of %q to %s%s: PostgreSQL rewrites the table and its indexes under an ACCESS EXCLUSIVE lock (reads and writes wait), and %s may not handle the new type",
				cmd.Name, relName(rel), typeString(newType), was, f.serving()),
			fmt.Sprintf("add a new column of type %s, write both from the application (or a trigger), backfill in batches, move reads to it in a release, then drop %q post-deploy",
				typeString(newType), cmd.Name)))
	})
	return out
}
