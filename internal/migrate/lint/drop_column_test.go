package lint

import "testing"

var dropColumnCases = register("CO101", []ruleCase{
	{name: "pre-deploy drop", sql: "SET lock_timeout = '2s';\nALTER TABLE users DROP COLUMN email;",
		want: []want{{line: 2, why: []string{`"email"`, `"users"`, "ACCESS EXCLUSIVE"}}}},
	{name: "if exists, schema-qualified", sql: "ALTER TABLE IF EXISTS app.users\n  DROP COLUMN IF EXISTS email;",
		want: []want{{line: 1, why: []string{`"app.users"`}}}},
	{name: "post-deploy is the contract step", sql: "ALTER TABLE users DROP COLUMN email;", opts: Options{Phase: PostDeploy}},
	{name: "table created in the same file", sql: "CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;"},
	{name: "other alter", sql: "ALTER TABLE users ADD COLUMN nickname text;"},
	{name: "silenced", sql: "-- cutover:ignore CO101 reason: no release reads it since v12\nALTER TABLE users DROP COLUMN email;",
		want: []want{{line: 2, silenced: true}}},
})

func TestDropColumn(t *testing.T) { runCases(t, "CO101", dropColumnCases) }
