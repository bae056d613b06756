package lint

import "testing"

var checkCases = register("CO205", []ruleCase{
	{name: "validated at once", sql: "ALTER TABLE users ADD CONSTRAINT age_pos CHECK (age > 0);",
		want: []want{{line: 1, why: []string{`"age_pos"`, `"users"`, "ACCESS EXCLUSIVE"}}}},
	{name: "not valid", sql: "ALTER TABLE users ADD CONSTRAINT age_pos CHECK (age > 0) NOT VALID;"},
	{name: "new table", sql: "CREATE TABLE t (age int);\nALTER TABLE t ADD CHECK (age > 0);"},
})

func TestCheck(t *testing.T) { runCases(t, "CO205", checkCases) }
