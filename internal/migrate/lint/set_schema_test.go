package lint

import "testing"

var setSchemaCases = register("CO112", []ruleCase{
	{name: "table", sql: "ALTER TABLE users SET SCHEMA archive;", want: []want{{line: 1, why: []string{`"users"`, `"archive"`, "ACCESS EXCLUSIVE"}}}},
	{name: "view", sql: "ALTER VIEW active_users SET SCHEMA archive;", want: []want{{line: 1}}},
	{name: "new table", sql: "CREATE TABLE t (a int);\nALTER TABLE t SET SCHEMA archive;"},
	{name: "a function is not a relation", sql: "ALTER FUNCTION f() SET SCHEMA archive;"},
})

func TestSetSchema(t *testing.T) { runCases(t, "CO112", setSchemaCases) }
