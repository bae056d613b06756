package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var setStorageInfo = RuleInfo{
	Code:     "CO217",
	Severity: Error,
	Summary:  "SET LOGGED, SET UNLOGGED or SET TABLESPACE rewrites the table under ACCESS EXCLUSIVE",
}

// setStorage flags ALTER TABLE ... SET LOGGED, SET UNLOGGED and SET
// TABLESPACE on an existing table: PostgreSQL writes a new copy of the table
// (and, for SET LOGGED, all of it to the WAL) before the statement ends.
//
// Lock: ACCESS EXCLUSIVE on the table for the whole copy (ALTER TABLE
// reference), checked against PostgreSQL in TestOnPostgres.
type setStorage struct{}

// Check implements Rule.
func (setStorage) Check(f *File) []Finding {
	var out []Finding
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		var what string
		switch cmd.Subtype {
		case pg.AlterTableType_AT_SetLogged:
			what = "SET LOGGED"
		case pg.AlterTableType_AT_SetUnLogged:
			what = "SET UNLOGGED"
		case pg.AlterTableType_AT_SetTableSpace:
			what = fmt.Sprintf("SET TABLESPACE %s", cmd.Name)
		default:
			return
		}
		if !f.existing(rel, st) {
			return
		}
		out = append(out, f.finding(setStorageInfo, st,
			fmt.Sprintf("%s on %q copies the whole table under an ACCESS EXCLUSIVE lock: reads and writes wait until the copy is done", what, relName(rel)),
			"create the new table as it should be, copy rows in batches while the application writes both (or use logical replication), then switch to it with a rename in a brief transaction; or run it in a maintenance window"))
	})
	return out
}
