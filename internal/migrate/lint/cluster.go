package lint

import (
	"fmt"
)

var clusterInfo = RuleInfo{
	Code:     "CO210",
	Severity: Error,
	Summary:  "CLUSTER rewrites the table under ACCESS EXCLUSIVE",
}

// cluster flags CLUSTER, which rewrites a table in index order.
//
// Lock: ACCESS EXCLUSIVE on the table (explicit-locking: "Acquired by ...
// CLUSTER"), for the whole rewrite.
type cluster struct{}

// Check implements Rule.
func (cluster) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		cs := st.Node.GetClusterStmt()
		if cs == nil || (cs.Relation != nil && !f.existing(cs.Relation, st)) {
			continue
		}
		target := "every previously clustered table"
		if cs.Relation != nil {
			target = fmt.Sprintf("%q", relName(cs.Relation))
		}
		out = append(out, f.finding(clusterInfo, st,
			fmt.Sprintf("CLUSTER rewrites %s under an ACCESS EXCLUSIVE lock: reads and writes wait until it finishes", target),
			"leave it out of migrations: pg_repack --order-by reorders a table online"))
	}
	return out
}
