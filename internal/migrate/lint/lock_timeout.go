package lint

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var lockTimeoutInfo = RuleInfo{
	Code:     "CO213",
	Severity: Warning,
	Summary:  "no lock_timeout before the first statement that takes a write-blocking lock on an existing table",
}

// lockTimeout flags the first statement of a file that takes SHARE or a
// stronger lock (ACCESS EXCLUSIVE for most ALTER TABLE forms) on an existing
// table while no lock_timeout is in effect. Lock requests queue in order: a
// DDL statement waiting behind one long query makes every later query on the
// table wait behind it, so even an instant ALTER can stall traffic. SET LOCAL
// counts only inside the transaction it ran in; RESET and 0 turn it off. When
// the runner sets lock_timeout for the file, it is in effect from the start:
// only a file that turns it off is flagged.
//
// Lock: whatever the flagged statement takes, named in the finding.
type lockTimeout struct{}

// Check implements Rule.
func (lockTimeout) Check(f *File) []Finding {
	// session: a lock_timeout in effect outside a SET LOCAL; localTx, localOn: the transaction a
	// SET LOCAL ran in, and whether it turned the timeout on or off there.
	session, localTx, localOn := f.Options.RunnerSetsLockTimeout, 0, false
	for _, st := range f.Statements {
		if on, local, ok := setsLockTimeout(st.Node); ok {
			switch {
			case local && st.Tx != 0:
				localTx, localOn = st.Tx, on
			case local: // outside a transaction SET LOCAL does nothing
			default:
				session, localTx = on, 0
			}
			continue
		}
		inEffect := session
		if localTx != 0 && localTx == st.Tx {
			inEffect = localOn
		}
		if inEffect {
			continue
		}
		l, ok := strongestLock(f.locks(st))
		if !ok {
			continue
		}
		unset := "no lock_timeout set"
		if f.Options.RunnerSetsLockTimeout {
			unset = "lock_timeout turned off by the file (cutover sets one for each file)"
		}
		return []Finding{f.finding(lockTimeoutInfo, st,
			fmt.Sprintf("takes %s lock on %q with %s: while it waits behind a long-running query, every later query on %q queues behind it (%s)",
				l.mode.article(), l.table, unset, l.table, l.mode.effect()),
			"start the file with SET lock_timeout = '5s' (SET LOCAL inside BEGIN ... COMMIT) so the statement gives up instead of stalling traffic, and retry the migration later")}
	}
	return nil
}

// setsLockTimeout reports whether n sets lock_timeout, whether the setting is
// on (non-zero) and whether it is LOCAL to the transaction. It knows SET,
// SET LOCAL, RESET, SET ... TO DEFAULT and SELECT set_config(...).
func setsLockTimeout(n *pg.Node) (on, local, ok bool) {
	if vs := n.GetVariableSetStmt(); vs != nil {
		if vs.Kind == pg.VariableSetKind_VAR_RESET_ALL {
			return false, false, true
		}
		if !strings.EqualFold(vs.Name, "lock_timeout") {
			return false, false, false
		}
		on = vs.Kind == pg.VariableSetKind_VAR_SET_VALUE && len(vs.Args) > 0 && !zeroSetting(vs.Args[0])
		return on, vs.IsLocal, true
	}
	for _, t := range n.GetSelectStmt().GetTargetList() {
		fc := t.GetResTarget().GetVal().GetFuncCall()
		if fc == nil || len(fc.Args) != 3 || len(fc.Funcname) == 0 ||
			fc.Funcname[len(fc.Funcname)-1].GetString_().GetSval() != "set_config" ||
			!strings.EqualFold(fc.Args[0].GetAConst().GetSval().GetSval(), "lock_timeout") {
			continue
		}
		return !zeroSetting(fc.Args[1]), fc.Args[2].GetAConst().GetBoolval().GetBoolval(), true
	}
	return false, false, false
}

// zeroSetting reports whether a setting's value is 0, which turns a timeout
// off, in any unit.
func zeroSetting(n *pg.Node) bool {
	c := n.GetAConst()
	if c == nil {
		return false
	}
	if iv := c.GetIval(); iv != nil {
		return iv.Ival == 0
	}
	s := strings.TrimSpace(c.GetSval().GetSval())
	s = strings.TrimRight(s, "abcdefghijklmnopqrstuvwxyz ")
	return s == "0"
}
