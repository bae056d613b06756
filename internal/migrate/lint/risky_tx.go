package lint

import (
	"fmt"
	"strings"
)

var riskyTxInfo = RuleInfo{
	Code:     "CO301",
	Severity: Warning,
	Summary:  "several statements in one transaction take write-blocking locks and hold them all until COMMIT",
}

// riskyTx flags a transaction in which two or more statements take SHARE or
// stronger locks on existing tables. Locks are released only at COMMIT, so
// the first lock is held through every later statement, and taking locks on
// several tables in one transaction invites deadlocks with the application.
// The finding sits on the second such statement.
//
// Lock: the sum of the statements' locks, each named in the finding.
type riskyTx struct{}

// Check implements Rule.
func (riskyTx) Check(f *File) []Finding {
	type risky struct {
		st *Statement
		l  tableLock
	}
	byTx := map[int][]risky{}
	var order []int
	for _, st := range f.Statements {
		if st.Tx == 0 {
			continue
		}
		if l, ok := strongestLock(f.locks(st)); ok {
			if byTx[st.Tx] == nil {
				order = append(order, st.Tx)
			}
			byTx[st.Tx] = append(byTx[st.Tx], risky{st, l})
		}
	}
	var out []Finding
	for _, tx := range order {
		rs := byTx[tx]
		if len(rs) < 2 {
			continue
		}
		parts := make([]string, len(rs))
		for i, r := range rs {
			parts[i] = fmt.Sprintf("%s on %q (line %d)", r.l.mode, r.l.table, r.st.Line)
		}
		out = append(out, f.finding(riskyTxInfo, rs[1].st,
			fmt.Sprintf("%d statements in one transaction take write-blocking locks and hold them all until COMMIT: %s", len(rs), strings.Join(parts, ", ")),
			"put each risky statement in its own migration file (or its own transaction), with a lock_timeout, so each lock is held only as long as its statement"))
	}
	return out
}
