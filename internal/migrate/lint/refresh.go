package lint

import (
	"fmt"
)

var refreshInfo = RuleInfo{
	Code:     "CO215",
	Severity: Warning,
	Summary:  "REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads of the view",
}

// refresh flags REFRESH MATERIALIZED VIEW without CONCURRENTLY on a view
// that existed before this file.
//
// Lock: ACCESS EXCLUSIVE on the view (explicit-locking: "REFRESH
// MATERIALIZED VIEW (without CONCURRENTLY)"); CONCURRENTLY takes EXCLUSIVE,
// which lets reads through.
type refresh struct{}

// Check implements Rule.
func (refresh) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		rm := st.Node.GetRefreshMatViewStmt()
		if rm == nil || rm.Concurrent || !f.existing(rm.Relation, st) {
			continue
		}
		out = append(out, f.finding(refreshInfo, st,
			fmt.Sprintf("REFRESH MATERIALIZED VIEW %q takes an ACCESS EXCLUSIVE lock: reads of %q wait until it is rebuilt", relName(rm.Relation), relName(rm.Relation)),
			"use REFRESH MATERIALIZED VIEW CONCURRENTLY (EXCLUSIVE lock; reads continue), which needs a unique index on the view"))
	}
	return out
}
