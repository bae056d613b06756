package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var addNotNullInfo = RuleInfo{
	Code:     "CO107",
	Severity: Error,
	Summary:  "ADD COLUMN ... NOT NULL without a default fails on a non-empty table and breaks the serving release's INSERTs",
}

// addNotNull flags ALTER TABLE ... ADD COLUMN ... NOT NULL (or PRIMARY KEY)
// with no default on an existing table. PostgreSQL rejects it as soon as the
// table has a row, and even on an empty table every INSERT of the serving
// release, which does not know the column, fails.
//
// Lock: ACCESS EXCLUSIVE on the table (ALTER TABLE reference: ADD COLUMN).
type addNotNull struct{}

// Check implements Rule.
func (addNotNull) Check(f *File) []Finding {
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		cd := cmd.Def.GetColumnDef()
		if cmd.Subtype != pg.AlterTableType_AT_AddColumn || cd == nil || !f.existing(rel, st) {
			return
		}
		if !notNull(cd) || fillsItself(cd) {
			return
		}
		out = append(out, f.finding(addNotNullInfo, st,
			fmt.Sprintf("adds column %q to %q as NOT NULL without a default: PostgreSQL rejects it if %q has rows, and INSERTs of %s that omit %q fail (ACCESS EXCLUSIVE lock)",
				cd.Colname, relName(rel), relName(rel), f.serving(), cd.Colname),
			fmt.Sprintf("add %q with a constant DEFAULT (metadata-only since PostgreSQL 11), or add it nullable, backfill in batches, add CHECK (%q IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL in a later deploy",
				cd.Colname, cd.Colname)))
	})
	return out
}

// notNull reports whether a column definition forbids NULL.
func notNull(cd *pg.ColumnDef) bool {
	if cd.IsNotNull {
		return true
	}
	for _, c := range cd.Constraints {
		switch c.GetConstraint().GetContype() {
		case pg.ConstrType_CONSTR_NOTNULL, pg.ConstrType_CONSTR_PRIMARY:
			return true
		}
	}
	return false
}

// fillsItself reports whether existing and new rows get a value for the
// column without the writer naming it: a non-NULL default, an identity, a
// generated expression or a serial type.
func fillsItself(cd *pg.ColumnDef) bool {
	if isSerial(typeBase(cd.TypeName)) {
		return true
	}
	if cd.RawDefault != nil && !isNullConst(cd.RawDefault) {
		return true
	}
	for _, c := range cd.Constraints {
		con := c.GetConstraint()
		switch con.GetContype() {
		case pg.ConstrType_CONSTR_DEFAULT:
			if !isNullConst(con.RawExpr) {
				return true
			}
		case pg.ConstrType_CONSTR_IDENTITY, pg.ConstrType_CONSTR_GENERATED:
			return true
		}
	}
	return false
}

// defaultExpr returns a column definition's DEFAULT expression, or nil.
func defaultExpr(cd *pg.ColumnDef) *pg.Node {
	if cd.RawDefault != nil {
		return cd.RawDefault
	}
	for _, c := range cd.Constraints {
		if con := c.GetConstraint(); con.GetContype() == pg.ConstrType_CONSTR_DEFAULT {
			return con.RawExpr
		}
	}
	return nil
}

// isNullConst reports whether an expression is the literal NULL, possibly
// cast, as in DEFAULT NULL::text.
func isNullConst(n *pg.Node) bool {
	if tc := n.GetTypeCast(); tc != nil {
		return isNullConst(tc.Arg)
	}
	return n.GetAConst().GetIsnull()
}

// isSerial reports whether a type name is one of the serial pseudo-types.
func isSerial(base string) bool {
	switch base {
	case "serial", "serial4", "bigserial", "serial8", "smallserial", "serial2":
		return true
	}
	return false
}
