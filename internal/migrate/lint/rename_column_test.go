package lint

import "testing"

var renameColumnCases = register("CO103", []ruleCase{
	{name: "pre-deploy", sql: "ALTER TABLE users RENAME COLUMN name TO full_name;",
		want: []want{{line: 1, why: []string{`"name"`, `"users"`, `"full_name"`, "old release", "ACCESS EXCLUSIVE"}}}},
	{name: "post-deploy breaks the new release", sql: "ALTER TABLE users RENAME name TO full_name;", opts: Options{Phase: PostDeploy},
		want: []want{{line: 1, why: []string{"new release"}}}},
	{name: "new table", sql: "CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO b;"},
	{name: "renaming a constraint is fine", sql: "ALTER TABLE users RENAME CONSTRAINT c1 TO c2;"},
})

func TestRenameColumn(t *testing.T) { runCases(t, "CO103", renameColumnCases) }
