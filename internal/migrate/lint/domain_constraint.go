package lint

import (
	"fmt"
)

var domainConstraintInfo = RuleInfo{
	Code:     "CO218",
	Severity: Error,
	Summary:  "ALTER DOMAIN ... ADD CONSTRAINT without NOT VALID blocks writes to every table using the domain while it checks them",
}

// domainConstraint flags ALTER DOMAIN ... ADD CONSTRAINT without NOT VALID:
// PostgreSQL checks every row of every table with a column of the domain
// before the statement ends.
//
// Lock: SHARE on each table that uses the domain, for the whole scan
// (writes wait; PostgreSQL's domain code, not the documentation, says so),
// checked against PostgreSQL in TestOnPostgres. With NOT VALID there
// is no scan; ALTER DOMAIN ... VALIDATE CONSTRAINT later takes SHARE UPDATE
// EXCLUSIVE on those tables.
type domainConstraint struct{}

// Check implements Rule.
func (domainConstraint) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		ad := st.Node.GetAlterDomainStmt()
		con := ad.GetDef().GetConstraint()
		if ad == nil || ad.Subtype != "C" || con == nil || con.SkipValidation {
			continue
		}
		domain := joinNames(ad.TypeName)
		out = append(out, f.finding(domainConstraintInfo, st,
			fmt.Sprintf("adds constraint %s to domain %q without NOT VALID: every table with a column of %q is scanned under a SHARE lock (writes wait)", conName(con), domain, domain),
			"add it with NOT VALID (no scan; new values are checked at once), then ALTER DOMAIN ... VALIDATE CONSTRAINT in a separate transaction or file (SHARE UPDATE EXCLUSIVE; traffic continues)"))
	}
	return out
}
