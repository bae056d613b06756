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

// stableFuncs are built-in functions PostgreSQL marks IMMUTABLE or STABLE
// (provolatile 'i' or 's') that migrations put in defaults: a default calling
// only these is computed once, and ADD COLUMN stays metadata-only from
// PostgreSQL 11. Any other function, a project's own included, is taken as
// VOLATILE, PostgreSQL's own default for CREATE FUNCTION.
var stableFuncs = map[string]bool{
	"now": true, "statement_timestamp": true, "transaction_timestamp": true, "current_setting": true,
	"lower": true, "upper": true, "btrim": true, "ltrim": true, "rtrim": true, "trim": true,
	"length": true, "char_length": true, "substr": true, "substring": true, "replace": true,
	"concat": true, "concat_ws": true, "left": true, "right": true, "lpad": true, "rpad": true,
	"md5": true, "encode": true, "decode": true, "format": true, "initcap": true, "repeat": true,
	"to_char": true, "to_date": true, "to_timestamp": true, "to_number": true,
	"date_trunc": true, "date_part": true, "extract": true, "age": true, "timezone": true,
	"make_date": true, "make_time": true, "make_timestamp": true, "make_timestamptz": true, "make_interval": true,
	"abs": true, "round": true, "floor": true, "ceil": true, "ceiling": true, "trunc": true, "power": true,
	"json_build_object": true, "json_build_array": true, "jsonb_build_object": true, "jsonb_build_array": true,
	"to_json": true, "to_jsonb": true, "json_object": true, "jsonb_object": true, "array_fill": true,
	"to_tsvector": true, "setweight": true, "inet": true, "int4": true, "int8": true, "text": true, "numeric": true,
}

// rewriteDefault flags ALTER TABLE ... ADD COLUMN on an existing table when
// PostgreSQL must write a value into every existing row: a volatile
// default (one calling a function outside stableFuncs counts), a serial type (its default is nextval()), an identity, a stored
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
		what := rewriteReason(cd, f.Options)
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
func rewriteReason(cd *pg.ColumnDef, opts Options) string {
	version := opts.TargetVersion
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
	calls := funcCalls(def)
	for _, fn := range calls {
		if v, ok := opts.Volatility[fn]; ok && v == 'v' || !ok && volatileFuncs[fn] {
			return fmt.Sprintf("the volatile default %s()", fn)
		}
	}
	for _, fn := range calls {
		if _, ok := opts.Volatility[fn]; !ok && !stableFuncs[fn] {
			return fmt.Sprintf("a default calling %s(), which the linter does not know: a function is VOLATILE unless declared IMMUTABLE or STABLE, and a volatile default is computed for every row (if %s is declared so, silence this with that reason)", fn, fn)
		}
	}
	if version < 11 {
		return fmt.Sprintf("a default on PostgreSQL %d (defaults became metadata-only in 11)", version)
	}
	return ""
}
