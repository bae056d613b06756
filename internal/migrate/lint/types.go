package lint

import (
	pg "github.com/pganalyze/pg_query_go/v6"
)

// isStringType reports whether a base type name is a character type.
func isStringType(base string) bool {
	switch base {
	case "text", "varchar", "bpchar", "citext":
		return true
	}
	return false
}

// unboundedString reports whether a type is text or varchar without a
// length: every string value fits, so converting to it from varchar or text
// is metadata-only (PostgreSQL 9.2 and later).
func unboundedString(tn *pg.TypeName) bool {
	switch typeBase(tn) {
	case "text", "citext":
		return true
	case "varchar":
		return len(typeMods(tn)) == 0
	}
	return false
}

// metadataOnly reports whether ALTER COLUMN ... TYPE from old to new changes
// only the catalog, without rewriting or scanning the table: the same type,
// or a wider varchar, numeric precision or bit varying length.
func metadataOnly(old, new *pg.TypeName) bool {
	if old == nil || new == nil {
		return false
	}
	if typeString(old) == typeString(new) {
		return true
	}
	// An array's elements go through an array coercion, which PostgreSQL
	// always carries out by rewriting, even for a wider varchar.
	if isArray(old) || isArray(new) {
		return false
	}
	ob, nb := typeBase(old), typeBase(new)
	om, nm := typeMods(old), typeMods(new)
	switch {
	case ob == "varchar" && nb == "varchar", ob == "varbit" && nb == "varbit":
		return len(nm) == 0 || len(om) == 1 && nm[0] >= om[0]
	case ob == "varchar" && (nb == "text" || nb == "citext"), ob == "text" && nb == "varchar" && len(nm) == 0:
		return true
	case ob == "numeric" && nb == "numeric":
		if len(nm) == 0 {
			return true
		}
		scale := func(m []int) int {
			if len(m) > 1 {
				return m[1]
			}
			return 0
		}
		return len(om) > 0 && nm[0] >= om[0] && scale(nm) == scale(om)
	}
	return false
}

// serialTypes maps the serial pseudo-types to the integer types their
// columns really have.
var serialTypes = map[string]string{
	"serial": "int4", "serial4": "int4", "bigserial": "int8", "serial8": "int8",
	"smallserial": "int2", "serial2": "int2",
}

// storedType returns the type a column declared as tn really has: a serial
// column is an integer column with a default.
func storedType(tn *pg.TypeName) *pg.TypeName {
	real, ok := serialTypes[typeBase(tn)]
	if !ok {
		return tn
	}
	return &pg.TypeName{Names: []*pg.Node{pg.MakeStrNode("pg_catalog"), pg.MakeStrNode(real)}, Typemod: -1}
}

// rewritingUsing reports whether ALTER COLUMN ... TYPE has a USING clause
// that may force a rewrite: anything but the column itself, or the column
// cast to the new type, which PostgreSQL treats as no USING at all.
func rewritingUsing(cmd *pg.AlterTableCmd) bool {
	using := cmd.Def.GetColumnDef().GetRawDefault()
	if using == nil {
		return false
	}
	if tc := using.GetTypeCast(); tc != nil {
		if typeString(tc.TypeName) != typeString(cmd.Def.GetColumnDef().GetTypeName()) {
			return true
		}
		using = tc.Arg
	}
	fields := using.GetColumnRef().GetFields()
	return len(fields) != 1 || fields[0].GetString_().GetSval() != cmd.Name
}
