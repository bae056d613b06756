package lint

import (
	"fmt"
)

var createIndexInfo = RuleInfo{
	Code:     "CO201",
	Severity: Error,
	Summary:  "CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds",
}

// createIndex flags CREATE INDEX without CONCURRENTLY on a table that
// existed before this file.
//
// Lock: SHARE on the table (explicit-locking: "Acquired by CREATE INDEX
// (without CONCURRENTLY)"), which conflicts with the ROW EXCLUSIVE lock of
// INSERT, UPDATE and DELETE for the whole build. CONCURRENTLY takes SHARE
// UPDATE EXCLUSIVE instead, which lets writes through.
type createIndex struct{}

// Check implements Rule.
func (createIndex) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		is := st.Node.GetIndexStmt()
		if is == nil || is.Concurrent || !f.existing(is.Relation, st) {
			continue
		}
		table := relName(is.Relation)
		out = append(out, f.finding(createIndexInfo, st,
			fmt.Sprintf("CREATE INDEX %s on %q takes a SHARE lock: INSERT, UPDATE and DELETE on %q wait until the index is built", quoteOr(is.Idxname, "(unnamed)"), table, table),
			"use CREATE INDEX CONCURRENTLY (SHARE UPDATE EXCLUSIVE; writes continue) in a migration file of its own without BEGIN: cutover runs files that contain CONCURRENTLY outside a transaction"))
	}
	return out
}
