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
	if old == nil || new == nil || isArray(old) != isArray(new) {
		return false
	}
	ob, nb := typeBase(old), typeBase(new)
	om, nm := typeMods(old), typeMods(new)
	if typeString(old) == typeString(new) {
		return true
	}
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

// hasUsing reports whether ALTER COLUMN ... TYPE has a USING clause, which
// forces a rewrite whatever the types.
func hasUsing(cmd *pg.AlterTableCmd) bool {
	return cmd.Def.GetColumnDef().GetRawDefault() != nil
}
