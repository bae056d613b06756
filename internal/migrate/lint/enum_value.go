package lint

import (
	"fmt"
	"strings"
)

var enumValueInfo = RuleInfo{
	Code:     "CO208",
	Severity: Error,
	Summary:  "ALTER TYPE ... ADD VALUE inside a transaction fails on PostgreSQL 11 and older",
}

// enumValue flags ALTER TYPE ... ADD VALUE inside a transaction when the
// target server is older than PostgreSQL 12, which refuses it there ("cannot
// run inside a transaction block"). From 12 it may run in a transaction,
// though the new value cannot be used until the transaction commits.
//
// Lock: none on tables; the statement is rejected before it starts.
type enumValue struct{}

// Check implements Rule.
func (enumValue) Check(f *File) []Finding {
	if f.Options.TargetVersion >= 12 {
		return nil
	}
	var out []Finding
	for _, st := range f.Statements {
		ae := st.Node.GetAlterEnumStmt()
		if ae == nil || ae.OldVal != "" || st.Tx == 0 {
			continue
		}
		var parts []string
		for _, n := range ae.TypeName {
			parts = append(parts, n.GetString_().GetSval())
		}
		out = append(out, f.finding(enumValueInfo, st,
			fmt.Sprintf("ALTER TYPE %q ADD VALUE %q runs %s, which PostgreSQL %d refuses: the migration fails",
				strings.Join(parts, "."), ae.NewVal, f.txWhere(st.Tx), f.Options.TargetVersion),
			"run it alone, outside any transaction (no BEGIN, and not in a file the runner wraps), or target PostgreSQL 12 or later"))
	}
	return out
}
