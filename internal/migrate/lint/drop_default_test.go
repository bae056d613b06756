package lint

import "testing"

var dropDefaultCases = register("CO108", []ruleCase{
	{name: "pre-deploy", sql: "ALTER TABLE users ALTER COLUMN status DROP DEFAULT;",
		want: []want{{line: 1, why: []string{`"users"."status"`}}}},
	{name: "post-deploy", sql: "ALTER TABLE users ALTER COLUMN status DROP DEFAULT;", opts: Options{Phase: PostDeploy}},
	{name: "set again later in the transaction", sql: "ALTER TABLE users ALTER COLUMN status DROP DEFAULT;\nALTER TABLE users ALTER COLUMN status SET DEFAULT 'new';",
		opts: Options{InTransaction: true}},
	{name: "set again in the same statement", sql: "ALTER TABLE users ALTER COLUMN status DROP DEFAULT, ALTER COLUMN status SET DEFAULT 'new';"},
	{name: "set again in another transaction", sql: "ALTER TABLE users ALTER COLUMN status DROP DEFAULT;\nALTER TABLE users ALTER COLUMN status SET DEFAULT 'new';",
		want: []want{{line: 1}}},
	{name: "another column set", sql: "BEGIN;\nALTER TABLE users ALTER COLUMN status DROP DEFAULT;\nALTER TABLE users ALTER COLUMN kind SET DEFAULT 'new';\nCOMMIT;",
		want: []want{{line: 2}}},
	{name: "set default is fine", sql: "ALTER TABLE users ALTER COLUMN status SET DEFAULT 'active';"},
})

func TestDropDefault(t *testing.T) { runCases(t, "CO108", dropDefaultCases) }
