package lint

import "testing"

var truncateCases = register("CO110", []ruleCase{
	{name: "existing table", sql: "TRUNCATE users;", want: []want{{line: 1, why: []string{`"users"`, "ACCESS EXCLUSIVE"}}}},
	{name: "two tables", sql: "TRUNCATE TABLE a, b CASCADE;", want: []want{{line: 1, why: []string{`"a"`}}, {line: 1, why: []string{`"b"`}}}},
	{name: "post-deploy too", sql: "TRUNCATE users;", opts: Options{Phase: PostDeploy}, want: []want{{line: 1}}},
	{name: "new table", sql: "CREATE TABLE t (a int);\nTRUNCATE t;"},
})

func TestTruncate(t *testing.T) { runCases(t, "CO110", truncateCases) }
