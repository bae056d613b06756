package lint

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

var timestampInfo = RuleInfo{
	Code:     "CO304",
	Severity: Warning,
	Summary:  "timestamp without time zone: prefer timestamptz",
}

// timestamp flags columns declared, added or changed to timestamp without
// time zone. Its values carry no offset, so they mean different instants to
// sessions with different TimeZone settings; timestamptz stores an absolute
// instant in the same 8 bytes.
//
// Lock: none beyond the statement's own; this is about the data.
type timestamp struct{}

// Check implements Rule.
func (timestamp) Check(f *File) []Finding {
	var out []Finding
	report := func(st *Statement, table, col string, tn *pg.TypeName) {
		if typeBase(tn) != "timestamp" {
			return
		}
		out = append(out, f.finding(timestampInfo, st,
			fmt.Sprintf("column %q of %q is %s without time zone: its values carry no offset, so sessions with different TimeZone settings read different instants", col, table, typeString(tn)),
			fmt.Sprintf("declare %q as timestamptz (timestamp with time zone): same 8 bytes, stores an absolute instant", col)))
	}
	for _, st := range f.Statements {
		if cs := st.Node.GetCreateStmt(); cs != nil {
			for _, e := range cs.TableElts {
				if cd := e.GetColumnDef(); cd != nil {
					report(st, relName(cs.Relation), cd.Colname, cd.TypeName)
				}
			}
		}
	}
	f.eachAlterCmd(func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd) {
		cd := cmd.Def.GetColumnDef()
		switch {
		case cd == nil:
		case cmd.Subtype == pg.AlterTableType_AT_AddColumn:
			report(st, relName(rel), cd.Colname, cd.TypeName)
		case cmd.Subtype == pg.AlterTableType_AT_AlterColumnType:
			report(st, relName(rel), cmd.Name, cd.TypeName)
		}
	})
	return out
}
