package lint

import (
	"fmt"
	"strings"
)

var lockTableInfo = RuleInfo{
	Code:     "CO212",
	Severity: Error,
	Summary:  "LOCK TABLE in SHARE mode or stronger stalls the serving release's writes (or reads)",
}

// lockTable flags LOCK TABLE in a mode that conflicts with the ROW EXCLUSIVE
// lock of INSERT, UPDATE and DELETE: SHARE and stronger. The default mode is
// ACCESS EXCLUSIVE, which also blocks SELECT.
//
// Lock: the mode named (explicit-locking: "the default lock mode for LOCK
// TABLE statements that do not specify a mode explicitly" is ACCESS
// EXCLUSIVE), held until the transaction ends.
type lockTable struct{}

// Check implements Rule.
func (lockTable) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		ls := st.Node.GetLockStmt()
		if ls == nil || !lockMode(ls.Mode).blocksWrites() {
			continue
		}
		var names []string
		for _, r := range ls.Relations {
			if rv := r.GetRangeVar(); f.existing(rv, st) {
				names = append(names, fmt.Sprintf("%q", relName(rv)))
			}
		}
		if len(names) == 0 {
			continue
		}
		m := lockMode(ls.Mode)
		out = append(out, f.finding(lockTableInfo, st,
			fmt.Sprintf("LOCK TABLE %s IN %s MODE holds the lock until the transaction ends: %s", strings.Join(names, ", "), m, m.effect()),
			"drop the explicit lock: each statement takes the lock it needs; if you must keep it, set a short lock_timeout and keep the transaction short"))
	}
	return out
}
