package lint

import (
	"fmt"
)

var truncateInfo = RuleInfo{
	Code:     "CO110",
	Severity: Error,
	Summary:  "TRUNCATE empties a table the serving release uses, under ACCESS EXCLUSIVE",
}

// truncate flags TRUNCATE of a table that existed before the file: every
// row the serving release reads is gone at COMMIT, and no rollback of the
// release brings it back.
//
// Lock: ACCESS EXCLUSIVE on each table truncated (explicit-locking: "Acquired
// by the DROP TABLE, TRUNCATE ... commands"), checked against PostgreSQL in
// TestOnPostgres.
type truncate struct{}

// Check implements Rule.
func (truncate) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		ts := st.Node.GetTruncateStmt()
		if ts == nil {
			continue
		}
		for _, r := range ts.Relations {
			rel := r.GetRangeVar()
			if !f.existing(rel, st) {
				continue
			}
			out = append(out, f.finding(truncateInfo, st,
				fmt.Sprintf("truncates %q: every row %s reads is deleted at COMMIT, under an ACCESS EXCLUSIVE lock (reads and writes wait), and no rollback brings it back", relName(rel), f.serving()),
				fmt.Sprintf("delete what must go with DELETE ... WHERE in batches, or copy what must stay first; to empty a table no release uses any more, drop %q post-deploy", relName(rel))))
		}
	}
	return out
}
