package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var detachPartitionInfo = RuleInfo{
	Code:     "CO216",
	Severity: Error,
	Summary:  "DETACH PARTITION without CONCURRENTLY blocks reads and writes of the whole partitioned table",
}

// detachPartition flags ALTER TABLE ... DETACH PARTITION without
// CONCURRENTLY on an existing partitioned table.
//
// Lock: ACCESS EXCLUSIVE on the partitioned table and on the partition
// (ALTER TABLE reference: DETACH PARTITION); with CONCURRENTLY (PostgreSQL
// 14+) SHARE UPDATE EXCLUSIVE on the partitioned table. Checked against
// PostgreSQL in TestOnPostgres.
type detachPartition struct{}

// Check implements Rule.
func (detachPartition) Check(f *File) []Finding {
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		pc := cmd.Def.GetPartitionCmd()
		if cmd.Subtype != pg.AlterTableType_AT_DetachPartition || pc == nil || pc.Concurrent || !f.existing(rel, st) {
			return
		}
		fix := "use DETACH PARTITION ... CONCURRENTLY (SHARE UPDATE EXCLUSIVE; traffic continues) in a migration file of its own without BEGIN"
		if f.Options.TargetVersion < 14 {
			fix = fmt.Sprintf("PostgreSQL %d has no DETACH PARTITION CONCURRENTLY: run it with a short lock_timeout at a quiet time, or upgrade to 14+ and detach CONCURRENTLY", f.Options.TargetVersion)
		}
		out = append(out, f.finding(detachPartitionInfo, st,
			fmt.Sprintf("detaches partition %q from %q under an ACCESS EXCLUSIVE lock on both: every read and write of %q waits, behind any long query already running on it", relName(pc.Name), relName(rel), relName(rel)),
			fix))
	})
	return out
}
