package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var varcharInfo = RuleInfo{
	Code:     "CO303",
	Severity: Warning,
	Summary:  "a character type change that rewrites the table: shrinking varchar(n), to char(n), or with USING",
}

// varchar flags ALTER COLUMN ... TYPE to a character type when PostgreSQL
// must rewrite or re-check the table: shrinking varchar(n), converting text
// to varchar(n), any change to or from char(n), or a USING clause. Widening
// varchar(n) and converting varchar to text are metadata-only since
// PostgreSQL 9.2 and give no finding. When the migrations linted do not show
// the column's current type, a change to varchar(n) or char(n) gets an info:
// it may be a widening.
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
		case oldType == nil && !unboundedString(newType):
			fn := f.finding(varcharInfo, st,
				fmt.Sprintf("changes %q.%q to %s: widening a varchar is metadata-only, but shrinking it or converting from text or char rewrites the table under an ACCESS EXCLUSIVE lock, and the migrations linted do not show its current type", table, cmd.Name, to),
				"nothing to do if this widens the column; otherwise "+fix)
			fn.Severity = Info
			out = append(out, fn)
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
