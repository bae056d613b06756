package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var uniqueIndexInfo = RuleInfo{
	Code:     "CO214",
	Severity: Error,
	Summary:  "ADD PRIMARY KEY or UNIQUE without USING INDEX builds the index under ACCESS EXCLUSIVE",
}

// uniqueIndex flags ALTER TABLE ... ADD PRIMARY KEY / UNIQUE on an existing
// table that builds its index in place instead of adopting one built
// CONCURRENTLY.
//
// Lock: ACCESS EXCLUSIVE on the table for the whole index build (ALTER
// TABLE reference: ADD table_constraint); with USING INDEX the lock is held
// only briefly (a PRIMARY KEY also needs its columns NOT NULL already).
// The same holds for UNIQUE and PRIMARY KEY written inside ADD COLUMN.
type uniqueIndex struct{}

// Check implements Rule.
func (uniqueIndex) Check(f *File) []Finding {
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		if cd := cmd.Def.GetColumnDef(); cmd.Subtype == pg.AlterTableType_AT_AddColumn && f.existing(rel, st) {
			out = append(out, f.columnIndexes(st, rel, cd)...)
			return
		}
		con := cmd.Def.GetConstraint()
		if cmd.Subtype != pg.AlterTableType_AT_AddConstraint || con == nil || con.Indexname != "" || !f.existing(rel, st) {
			return
		}
		kind := map[pg.ConstrType]string{
			pg.ConstrType_CONSTR_PRIMARY: "PRIMARY KEY",
			pg.ConstrType_CONSTR_UNIQUE:  "UNIQUE",
		}[con.Contype]
		if kind == "" {
			return
		}
		out = append(out, f.finding(uniqueIndexInfo, st,
			fmt.Sprintf("adds %s %s to %q by building its index under an ACCESS EXCLUSIVE lock: reads and writes wait until the build finishes", kind, conName(con), relName(rel)),
			fmt.Sprintf("CREATE UNIQUE INDEX CONCURRENTLY in a file of its own, then ALTER TABLE %s ADD CONSTRAINT ... %s USING INDEX (brief lock)", relName(rel), kind)))
	})
	return out
}

// columnIndexes flags UNIQUE and PRIMARY KEY written inside ADD COLUMN cd:
// PostgreSQL builds their index on the spot, under the ADD COLUMN's ACCESS
// EXCLUSIVE lock.
func (f *File) columnIndexes(st *Statement, rel *pg.RangeVar, cd *pg.ColumnDef) []Finding {
	var out []Finding
	for _, c := range cd.Constraints {
		kind := map[pg.ConstrType]string{
			pg.ConstrType_CONSTR_PRIMARY: "PRIMARY KEY",
			pg.ConstrType_CONSTR_UNIQUE:  "UNIQUE",
		}[c.GetConstraint().GetContype()]
		if kind == "" {
			continue
		}
		out = append(out, f.finding(uniqueIndexInfo, st,
			fmt.Sprintf("adds column %q to %q with %s inside ADD COLUMN: its index is built under the ACCESS EXCLUSIVE lock, so reads and writes wait until the build finishes", cd.Colname, relName(rel), kind),
			fmt.Sprintf("add %q without %s, CREATE UNIQUE INDEX CONCURRENTLY on it in a file of its own, then ALTER TABLE %s ADD CONSTRAINT ... %s USING INDEX (brief lock)", cd.Colname, kind, relName(rel), kind)))
	}
	return out
}
