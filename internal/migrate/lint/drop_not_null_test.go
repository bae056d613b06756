package lint

import "testing"

var dropNotNullCases = register("CO114", []ruleCase{
	{name: "pre-deploy", sql: "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;", want: []want{{line: 1, why: []string{`"users"."email"`, "rollback"}}}},
	{name: "post-deploy too", sql: "ALTER TABLE users ALTER email DROP NOT NULL;", opts: Options{Phase: PostDeploy}, want: []want{{line: 1}}},
	{name: "new table", sql: "CREATE TABLE t (a int NOT NULL);\nALTER TABLE t ALTER a DROP NOT NULL;"},
	{name: "set not null is another rule", sql: "ALTER TABLE users ALTER email SET NOT NULL;"},
})

func TestDropNotNull(t *testing.T) { runCases(t, "CO114", dropNotNullCases) }
