package lint

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var addConstraintInfo = RuleInfo{
	Code:     "CO109",
	Severity: Warning,
	Summary:  "a new CHECK or UNIQUE constraint before the switch may reject the old release's writes",
}

// addConstraint flags ADD CONSTRAINT ... CHECK, UNIQUE or EXCLUDE and CREATE
// UNIQUE INDEX on an existing table in a pre-deploy migration: even a NOT
// VALID constraint is enforced on new writes at once, so writes of the old
// release that break it start failing. Whether they do depends on the
// application, hence a warning. The locks these take are CO205 and CO214.
//
// Lock: ACCESS EXCLUSIVE for CHECK, UNIQUE and EXCLUDE (ALTER TABLE
// reference: ADD table_constraint); SHARE, or SHARE UPDATE EXCLUSIVE when
// CONCURRENTLY, for CREATE UNIQUE INDEX.
type addConstraint struct{}

// Check implements Rule.
func (addConstraint) Check(f *File) []Finding {
	if !f.pre() {
		return nil
	}
	var out []Finding
	fix := "make sure the old release never writes values that violate it (ship the application check first), or add the constraint post-deploy"
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		con := cmd.Def.GetConstraint()
		// UNIQUE ... USING INDEX adopts a unique index that already rejects
		// duplicates: nothing new is enforced.
		if cmd.Subtype != pg.AlterTableType_AT_AddConstraint || con == nil || con.Indexname != "" || !f.existing(rel, st) {
			return
		}
		kind := map[pg.ConstrType]string{
			pg.ConstrType_CONSTR_CHECK:     "CHECK",
			pg.ConstrType_CONSTR_UNIQUE:    "UNIQUE",
			pg.ConstrType_CONSTR_EXCLUSION: "EXCLUDE",
		}[con.Contype]
		if kind == "" {
			return
		}
		out = append(out, f.finding(addConstraintInfo, st,
			fmt.Sprintf("adds %s constraint %s to %q: writes of the old release that violate it start failing before the switch (ACCESS EXCLUSIVE lock)", kind, conName(con), relName(rel)),
			fix))
	})
	for _, st := range f.Statements {
		is := st.Node.GetIndexStmt()
		if is == nil || !is.Unique || !f.existing(is.Relation, st) {
			continue
		}
		out = append(out, f.finding(addConstraintInfo, st,
			fmt.Sprintf("creates unique index %s on %q (%s): the old release's writes of duplicate values start failing before the switch (%s lock)",
				quoteOr(is.Idxname, "(unnamed)"), relName(is.Relation), strings.Join(indexColumns(is), ", "), indexLock(is.Concurrent)),
			fix))
	}
	return out
}

// conName returns a constraint's name quoted, or "(unnamed)".
func conName(con *pg.Constraint) string { return quoteOr(con.Conname, "(unnamed)") }

// quoteOr quotes name, or returns alt when name is empty.
func quoteOr(name, alt string) string {
	if name == "" {
		return alt
	}
	return fmt.Sprintf("%q", name)
}

// indexColumns returns the column names (or "expression") an index covers.
func indexColumns(is *pg.IndexStmt) []string {
	var cols []string
	for _, p := range is.IndexParams {
		ie := p.GetIndexElem()
		if ie.GetName() != "" {
			cols = append(cols, ie.GetName())
		} else {
			cols = append(cols, "expression")
		}
	}
	return cols
}
