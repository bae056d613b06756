package lint

import "testing"

var domainConstraintCases = register("CO218", []ruleCase{
	{name: "check", sql: "ALTER DOMAIN email ADD CONSTRAINT has_at CHECK (VALUE LIKE '%@%');",
		want: []want{{line: 1, why: []string{`"has_at"`, `"email"`, "SHARE"}}}},
	{name: "not null", sql: "ALTER DOMAIN app.email ADD NOT NULL;", want: []want{{line: 1, why: []string{`"app.email"`}}}},
	{name: "not valid", sql: "ALTER DOMAIN email ADD CONSTRAINT has_at CHECK (VALUE LIKE '%@%') NOT VALID;"},
	{name: "drop constraint", sql: "ALTER DOMAIN email DROP CONSTRAINT has_at;"},
})

func TestDomainConstraint(t *testing.T) { runCases(t, "CO218", domainConstraintCases) }
