package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var setSchemaInfo = RuleInfo{
	Code:     "CO112",
	Severity: Error,
	Summary:  "ALTER TABLE ... SET SCHEMA moves the table away from the name the serving release queries",
}

// setSchema flags ALTER TABLE (or VIEW, SEQUENCE) ... SET SCHEMA: the
// serving release finds the relation by its old schema (or search_path) and
// fails, as with a rename.
//
// Lock: ACCESS EXCLUSIVE on the relation (ALTER TABLE reference: SET SCHEMA),
// checked against PostgreSQL in TestOnPostgres.
type setSchema struct{}

// Check implements Rule.
func (setSchema) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		as := st.Node.GetAlterObjectSchemaStmt()
		if as == nil || as.Relation == nil || !f.existing(as.Relation, st) {
			continue
		}
		switch as.ObjectType {
		case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW,
			pg.ObjectType_OBJECT_SEQUENCE, pg.ObjectType_OBJECT_FOREIGN_TABLE:
		default:
			continue
		}
		name := relName(as.Relation)
		out = append(out, f.finding(setSchemaInfo, st,
			fmt.Sprintf("moves %q to schema %q: %s still queries it by its old name and fails (ACCESS EXCLUSIVE lock)", name, as.Newschema, f.serving()),
			fmt.Sprintf("in one transaction, move it and CREATE VIEW %s AS SELECT * FROM %s.%s (a simple view is updatable), so both names work; drop the view post-deploy once no release uses the old name", name, as.Newschema, as.Relation.Relname)))
	}
	return out
}
