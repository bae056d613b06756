package lint

import "testing"

var dropSchemaCases = register("CO113", []ruleCase{
	{name: "pre-deploy", sql: "DROP SCHEMA legacy CASCADE;", want: []want{{line: 1, why: []string{`"legacy"`, "ACCESS EXCLUSIVE"}}}},
	{name: "pre-deploy, even without CASCADE", sql: "DROP SCHEMA IF EXISTS legacy;", want: []want{{line: 1}}},
	{name: "post-deploy CASCADE is a warning", sql: "DROP SCHEMA legacy CASCADE;", opts: Options{Phase: PostDeploy},
		want: []want{{line: 1, severity: "warning", why: []string{"CASCADE"}}}},
	{name: "post-deploy, empty schema", sql: "DROP SCHEMA legacy;", opts: Options{Phase: PostDeploy}},
	{name: "a table is not a schema", sql: "DROP TABLE legacy;", opts: Options{Phase: PostDeploy}},
})

func TestDropSchema(t *testing.T) { runCases(t, "CO113", dropSchemaCases) }
