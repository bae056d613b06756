package lint

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var reindexInfo = RuleInfo{
	Code:     "CO211",
	Severity: Error,
	Summary:  "REINDEX without CONCURRENTLY blocks writes to the table and reads through the index",
}

// reindex flags REINDEX without CONCURRENTLY.
//
// Lock: SHARE on the table, which blocks writes, and ACCESS EXCLUSIVE on each
// index rebuilt, which blocks reads that would use it (REINDEX reference,
// "locks out writes but not reads of the index's parent table"; the
// explicit-locking page lists REINDEX under ACCESS EXCLUSIVE). REINDEX
// CONCURRENTLY (PostgreSQL 12+) takes SHARE UPDATE EXCLUSIVE.
type reindex struct{}

// Check implements Rule.
func (reindex) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		rs := st.Node.GetReindexStmt()
		// REINDEX SYSTEM cannot run CONCURRENTLY, so the fix below would be
		// wrong; it rebuilds only the catalogs' indexes, and CO203 already
		// says it cannot run in a transaction.
		if rs == nil || hasOption(rs.Params, "concurrently") || rs.Kind == pg.ReindexObjectType_REINDEX_OBJECT_SYSTEM {
			continue
		}
		if rs.Relation != nil && rs.Kind == pg.ReindexObjectType_REINDEX_OBJECT_TABLE && !f.existing(rs.Relation, st) {
			continue
		}
		kind := strings.TrimPrefix(rs.Kind.String(), "REINDEX_OBJECT_")
		name := rs.Name
		if rs.Relation != nil {
			name = relName(rs.Relation)
		}
		fix := "use REINDEX ... CONCURRENTLY (SHARE UPDATE EXCLUSIVE; traffic continues) in a migration file of its own without BEGIN"
		if f.Options.TargetVersion < 12 {
			fix = "PostgreSQL before 12 has no REINDEX CONCURRENTLY: CREATE INDEX CONCURRENTLY a replacement, DROP INDEX CONCURRENTLY the old one, then rename the new one"
		}
		out = append(out, f.finding(reindexInfo, st,
			fmt.Sprintf("REINDEX %s %q takes a SHARE lock on the table (writes wait) and ACCESS EXCLUSIVE on each index it rebuilds (reads using it wait)", kind, name),
			fix))
	}
	return out
}
