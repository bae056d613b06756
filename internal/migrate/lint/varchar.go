package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var varcharInfo = RuleInfo{
	Code:     "CO303",
	Severity: Error,
	Summary:  "a change to a character type that rewrites the table (shrinking varchar(n), text to varchar(n), char(n), USING), or from a type the migrations do not show",
}

// varchar flags ALTER COLUMN ... TYPE to a character type when PostgreSQL
// must rewrite or re-check the table: shrinking varchar(n), converting text
// to varchar(n), any change to or from char(n), an array of them, or a USING
// clause. Widening varchar(n) and converting varchar to text are
// metadata-only since PostgreSQL 9.2 and give no finding. When the migrations
// linted do not show the column's current type (no CREATE TABLE or ADD
// COLUMN for it earlier in the run), the change is taken as a rewrite until
// shown otherwise: an error, like a known one.
//
// Lock: ACCESS EXCLUSIVE on the table (ALTER TABLE reference: SET DATA
// TYPE), for the whole rewrite when there is one.
type varchar struct{}

// Check implements Rule.
func (varchar) Check(f *File) []Finding {
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		newType := cmd.Def.GetColumnDef().GetTypeName()
		if cmd.Subtype != pg.AlterTableType_AT_AlterColumnType || !isStringType(typeBase(newType)) || !f.existing(rel, st) {
			return
		}
		var oldType *pg.TypeName
		if col := f.before[cmd]; col != nil {
			oldType = col.typ
		}
		if oldType != nil && !isStringType(typeBase(oldType)) {
			return // CO105
		}
		table, to := relName(rel), typeString(newType)
		fix := fmt.Sprintf("keep the wider type and enforce the limit with CHECK (char_length(%q) <= n) NOT VALID, then VALIDATE CONSTRAINT separately (SHARE UPDATE EXCLUSIVE; traffic continues)", cmd.Name)
		switch {
		case rewritingUsing(cmd):
			out = append(out, f.finding(varcharInfo, st,
				fmt.Sprintf("changes %q.%q to %s with USING: PostgreSQL rewrites the table under an ACCESS EXCLUSIVE lock (reads and writes wait)", table, cmd.Name, to), fix))
		case oldType == nil:
			out = append(out, f.finding(varcharInfo, st,
				fmt.Sprintf("changes %q.%q to %s, and the migrations linted do not show its current type: unless this only widens a varchar (or turns varchar into text), PostgreSQL rewrites the table under an ACCESS EXCLUSIVE lock (reads and writes wait)", table, cmd.Name, to),
				"if this only widens the column, lint it together with the migration that created it (or silence this with that reason); otherwise "+fix))
		case oldType != nil && !metadataOnly(oldType, newType):
			why := fmt.Sprintf("changes %q.%q from %s to %s: PostgreSQL rewrites the table under an ACCESS EXCLUSIVE lock (reads and writes wait)",
				table, cmd.Name, typeString(oldType), to)
			if !unboundedString(newType) {
				why += fmt.Sprintf(", and writes of longer values by %s start failing", f.serving())
			}
			out = append(out, f.finding(varcharInfo, st, why, fix))
		}
	})
	return out
}
