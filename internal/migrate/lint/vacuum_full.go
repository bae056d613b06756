package lint

import (
	"fmt"
)

var vacuumFullInfo = RuleInfo{
	Code:     "CO209",
	Severity: Error,
	Summary:  "VACUUM FULL rewrites tables under ACCESS EXCLUSIVE",
}

// vacuumFull flags VACUUM FULL, which rewrites each table into a new file.
//
// Lock: ACCESS EXCLUSIVE on each table (explicit-locking: "Acquired by ...
// VACUUM FULL"); plain VACUUM takes SHARE UPDATE EXCLUSIVE.
type vacuumFull struct{}

// Check implements Rule.
func (vacuumFull) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		vs := st.Node.GetVacuumStmt()
		if vs == nil || !vs.IsVacuumcmd || !hasOption(vs.Options, "full") {
			continue
		}
		target := "every table of the database"
		if len(vs.Rels) > 0 {
			target = fmt.Sprintf("%q", relName(vs.Rels[0].GetVacuumRelation().GetRelation()))
		}
		out = append(out, f.finding(vacuumFullInfo, st,
			fmt.Sprintf("VACUUM FULL rewrites %s under an ACCESS EXCLUSIVE lock: reads and writes wait until it finishes", target),
			"leave space reclaiming out of migrations: plain VACUUM (SHARE UPDATE EXCLUSIVE) keeps traffic flowing, and pg_repack or pg_squeeze compact a table online"))
	}
	return out
}
