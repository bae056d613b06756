package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var dropIndexInfo = RuleInfo{
	Code:     "CO202",
	Severity: Warning,
	Summary:  "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table",
}

// dropIndex flags DROP INDEX without CONCURRENTLY on an index that existed
// before this file. The drop itself is quick, but while it waits for its lock
// behind a long query every later query on the table queues behind it.
//
// Lock: ACCESS EXCLUSIVE on the index's table (DROP INDEX reference);
// CONCURRENTLY takes SHARE UPDATE EXCLUSIVE and waits for queries instead.
type dropIndex struct{}

// Check implements Rule.
func (dropIndex) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		ds := st.Node.GetDropStmt()
		if ds == nil || ds.RemoveType != pg.ObjectType_OBJECT_INDEX || ds.Concurrent {
			continue
		}
		for _, o := range ds.Objects {
			name, key := dropKey(o, true)
			if f.isNew(key, st) {
				continue
			}
			out = append(out, f.finding(dropIndexInfo, st,
				fmt.Sprintf("DROP INDEX %q takes an ACCESS EXCLUSIVE lock on its table: reads and writes of the table wait, also while the drop itself waits for the lock", name),
				"use DROP INDEX CONCURRENTLY in a migration file of its own without BEGIN: cutover runs files that contain CONCURRENTLY outside a transaction"))
		}
	}
	return out
}
