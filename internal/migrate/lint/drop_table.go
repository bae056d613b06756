package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var dropTableInfo = RuleInfo{
	Code:     "CO102",
	Severity: Error,
	Summary:  "DROP TABLE (or VIEW) before the switch breaks the old release, which still queries it",
}

// dropTable flags DROP TABLE, DROP VIEW and DROP MATERIALIZED VIEW in a
// pre-deploy migration: every query of the old release on the relation fails
// from the moment the drop commits. Post-deploy it is the contract step.
//
// Lock: ACCESS EXCLUSIVE on the relation (explicit-locking: "Acquired by the
// DROP TABLE ... commands").
type dropTable struct{}

// Check implements Rule.
func (dropTable) Check(f *File) []Finding {
	if !f.pre() {
		return nil
	}
	var out []Finding
	for _, st := range f.Statements {
		ds := st.Node.GetDropStmt()
		if ds == nil {
			continue
		}
		kind := map[pg.ObjectType]string{
			pg.ObjectType_OBJECT_TABLE:   "table",
			pg.ObjectType_OBJECT_VIEW:    "view",
			pg.ObjectType_OBJECT_MATVIEW: "materialized view",
		}[ds.RemoveType]
		if kind == "" {
			continue
		}
		for _, o := range ds.Objects {
			name, key := dropKey(o, false)
			if f.isNew(key, st) || kind == "view" && f.recreatesView(st, key) {
				continue
			}
			out = append(out, f.finding(dropTableInfo, st,
				fmt.Sprintf("drops %s %q while the old release still serves: every query of the old release on %q fails until the switch (ACCESS EXCLUSIVE lock)", kind, name, name),
				fmt.Sprintf("ship a release that no longer uses %q first, then drop it in a post-deploy migration (db/post_migrate)", name)))
		}
	}
	return out
}

// recreatesView reports whether a statement after st in its transaction
// creates the view with key again.
func (f *File) recreatesView(st *Statement, key string) bool {
	return f.laterInTx(st, func(s *Statement) bool {
		vs := s.Node.GetViewStmt()
		return s != st && vs != nil && relKey(vs.View) == key
	})
}
