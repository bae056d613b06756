package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var rewriteDefaultInfo = RuleInfo{
	Code:     "CO207",
	Severity: Error,
	Summary:  "ADD COLUMN with a volatile default (or identity, serial, stored generated) rewrites the table under ACCESS EXCLUSIVE",
}

// volatileFuncs are functions PostgreSQL marks VOLATILE (provolatile = 'v')
// that migrations put in defaults. A volatile default must be evaluated per
// row, so ADD COLUMN rewrites the table. now(), current_timestamp and
// statement_timestamp() are STABLE and stay metadata-only since PostgreSQL 11.
var volatileFuncs = map[string]bool{
	"random": true, "random_normal": true, "gen_random_uuid": true, "gen_random_bytes": true,
	"uuid_generate_v1": true, "uuid_generate_v1mc": true, "uuid_generate_v4": true,
	"uuidv4": true, "uuidv7": true, "clock_timestamp": true, "timeofday": true,
	"nextval": true, "currval": true, "lastval": true, "setval": true, "setseed": true,
}

// rewriteDefault flags ALTER TABLE ... ADD COLUMN on an existing table when
// PostgreSQL must write a value into every existing row: a volatile
// default, a serial type (its default is nextval()), an identity, a stored
// generated column, or any default at all before PostgreSQL 11.
//
// Lock: ACCESS EXCLUSIVE on the table (ALTER TABLE reference: ADD COLUMN)
// for the whole rewrite of the table and its indexes.
type rewriteDefault struct{}

// Check implements Rule.
func (rewriteDefault) Check(f *File) []Finding {
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		cd := cmd.Def.GetColumnDef()
		if cmd.Subtype != pg.AlterTableType_AT_AddColumn || cd == nil || !f.existing(rel, st) {
			return
		}
		what := rewriteReason(cd, f.Options.TargetVersion)
		if what == "" {
			return
		}
		out = append(out, f.finding(rewriteDefaultInfo, st,
			fmt.Sprintf("adds column %q to %q with %s: PostgreSQL rewrites the whole table under an ACCESS EXCLUSIVE lock (reads and writes wait)", cd.Colname, relName(rel), what),
			fmt.Sprintf("add %q without a default, then ALTER COLUMN %q SET DEFAULT in a separate statement (applies to new rows only, no rewrite), and backfill existing rows in batches", cd.Colname, cd.Colname)))
	})
	return out
}

// rewriteReason says why adding cd rewrites the table, or returns "".
func rewriteReason(cd *pg.ColumnDef, version int) string {
	if base := typeBase(cd.TypeName); isSerial(base) {
		return fmt.Sprintf("type %s, whose default nextval() is volatile", base)
	}
	for _, c := range cd.Constraints {
		switch con := c.GetConstraint(); con.GetContype() {
		case pg.ConstrType_CONSTR_IDENTITY:
			return "an identity, which numbers every existing row"
		case pg.ConstrType_CONSTR_GENERATED:
			return "a stored generated expression, computed for every existing row"
		}
	}
	def := defaultExpr(cd)
	if def == nil || isNullConst(def) {
		return ""
	}
	for _, fn := range funcCalls(def) {
		if volatileFuncs[fn] {
			return fmt.Sprintf("the volatile default %s()", fn)
		}
	}
	if version < 11 {
		return fmt.Sprintf("a default on PostgreSQL %d (defaults became metadata-only in 11)", version)
	}
	return ""
}
