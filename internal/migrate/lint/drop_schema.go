package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var dropSchemaInfo = RuleInfo{
	Code:     "CO113",
	Severity: Error,
	Summary:  "DROP SCHEMA before the switch breaks the old release, which still uses what it holds",
}

// dropSchema flags DROP SCHEMA in a pre-deploy migration: with CASCADE every
// table, view and function in it goes, and the old release's queries on them
// fail; without CASCADE it fails unless the schema is empty. Post-deploy a
// DROP SCHEMA ... CASCADE is a warning: it drops everything in the schema,
// which a reviewer should see listed.
//
// Lock: ACCESS EXCLUSIVE on every relation it drops (explicit-locking: DROP
// TABLE), checked against PostgreSQL in TestOnPostgres.
type dropSchema struct{}

// Check implements Rule.
func (dropSchema) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		ds := st.Node.GetDropStmt()
		if ds == nil || ds.RemoveType != pg.ObjectType_OBJECT_SCHEMA {
			continue
		}
		cascade := ds.Behavior == pg.DropBehavior_DROP_CASCADE
		if !f.pre() && !cascade {
			continue
		}
		for _, o := range ds.Objects {
			name := o.GetString_().GetSval()
			fn := f.finding(dropSchemaInfo, st,
				fmt.Sprintf("drops schema %q while the old release still serves: its queries on anything in %q fail (ACCESS EXCLUSIVE lock on every table dropped)", name, name),
				fmt.Sprintf("ship a release that no longer uses %q first, then drop its tables one by one in a post-deploy migration (db/post_migrate), and the empty schema without CASCADE", name))
			if !f.pre() {
				fn.Severity = Warning
				fn.Why = fmt.Sprintf("drops schema %q with CASCADE: every table, view and function in it goes, whatever the migrations name (ACCESS EXCLUSIVE lock on each)", name)
				fn.Fix = fmt.Sprintf("drop the objects of %q by name, so the migration says what it removes, then the empty schema without CASCADE", name)
			}
			out = append(out, fn)
		}
	}
	return out
}
