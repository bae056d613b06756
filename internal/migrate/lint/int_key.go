package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var intKeyInfo = RuleInfo{
	Code:     "CO302",
	Severity: Warning,
	Summary:  "serial or integer primary key: prefer bigint GENERATED ALWAYS AS IDENTITY",
}

// intKey flags primary keys of type integer, smallint, serial or
// smallserial, which run out at 2,147,483,647 (or 32,767); widening them later
// is an ALTER COLUMN TYPE that rewrites the table under ACCESS EXCLUSIVE.
// A bigserial key gets an info: it is big enough, but an identity column is
// the SQL-standard form and keeps its sequence tied to the column.
//
// Lock: none beyond CREATE TABLE's own; this is about the next migration.
type intKey struct{}

// Check implements Rule.
func (intKey) Check(f *File) []Finding {
	var out []Finding
	report := func(st *Statement, table string, cd *pg.ColumnDef) {
		base := typeBase(cd.TypeName)
		fix := fmt.Sprintf("declare it as %q bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY", cd.Colname)
		switch base {
		case "int4", "int2", "serial", "serial4", "smallserial", "serial2":
			out = append(out, f.finding(intKeyInfo, st,
				fmt.Sprintf("primary key %q of %q is %s: it runs out of values at %s, and widening it later rewrites the table under an ACCESS EXCLUSIVE lock",
					cd.Colname, table, typeString(cd.TypeName), intLimit(base)), fix))
		case "bigserial", "serial8":
			fn := f.finding(intKeyInfo, st,
				fmt.Sprintf("primary key %q of %q is bigserial: an identity column is the SQL-standard form and keeps its sequence tied to the column", cd.Colname, table), fix)
			fn.Severity = Info
			out = append(out, fn)
		}
	}
	for _, st := range f.Statements {
		if cs := st.Node.GetCreateStmt(); cs != nil {
			for _, cd := range primaryKeyColumns(cs) {
				report(st, relName(cs.Relation), cd)
			}
		}
	}
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		if cd := cmd.Def.GetColumnDef(); cmd.Subtype == pg.AlterTableType_AT_AddColumn && cd != nil && hasConstraint(cd, pg.ConstrType_CONSTR_PRIMARY) {
			report(st, relName(rel), cd)
		}
	})
	return out
}

// intLimit returns the largest value of an integer type, spelled out.
func intLimit(base string) string {
	if base == "int2" || base == "smallserial" || base == "serial2" {
		return "32,767"
	}
	return "2,147,483,647"
}

// primaryKeyColumns returns the columns of a CREATE TABLE's primary key,
// declared on the column or as a table constraint.
func primaryKeyColumns(cs *pg.CreateStmt) []*pg.ColumnDef {
	cols := map[string]*pg.ColumnDef{}
	var out []*pg.ColumnDef
	for _, e := range cs.TableElts {
		if cd := e.GetColumnDef(); cd != nil {
			cols[cd.Colname] = cd
			if hasConstraint(cd, pg.ConstrType_CONSTR_PRIMARY) {
				out = append(out, cd)
			}
		}
	}
	for _, e := range append(append([]*pg.Node{}, cs.TableElts...), cs.Constraints...) {
		if con := e.GetConstraint(); con != nil && con.Contype == pg.ConstrType_CONSTR_PRIMARY {
			for _, k := range con.Keys {
				if cd := cols[k.GetString_().GetSval()]; cd != nil {
					out = append(out, cd)
				}
			}
		}
	}
	return out
}

// hasConstraint reports whether a column definition carries a constraint of
// the given type.
func hasConstraint(cd *pg.ColumnDef, t pg.ConstrType) bool {
	for _, c := range cd.Constraints {
		if c.GetConstraint().GetContype() == t {
			return true
		}
	}
	return false
}
