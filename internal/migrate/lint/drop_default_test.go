package lint

import "testing"

var dropDefaultCases = register("CO108", []ruleCase{
	{name: "pre-deploy", sql: "ALTER TABLE users ALTER COLUMN status DROP DEFAULT;",
		want: []want{{line: 1, why: []string{`"users"."status"`}}}},
	{name: "post-deploy", sql: "ALTER TABLE users ALTER COLUMN status DROP DEFAULT;", opts: Options{Phase: PostDeploy}},
	{name: "set default is fine", sql: "ALTER TABLE users ALTER COLUMN status SET DEFAULT 'active';"},
})

func TestDropDefault(t *testing.T) { runCases(t, "CO108", dropDefaultCases) }
