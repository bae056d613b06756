package lint

import "testing"

var dropIndexCases = register("CO202", []ruleCase{
	{name: "plain drop index", sql: "DROP INDEX users_email_idx;",
		want: []want{{line: 1, why: []string{`"users_email_idx"`, "ACCESS EXCLUSIVE"}}}},
	{name: "qualified", sql: "DROP INDEX IF EXISTS app.users_email_idx;",
		want: []want{{line: 1, why: []string{`"app.users_email_idx"`}}}},
	{name: "concurrently", sql: "DROP INDEX CONCURRENTLY users_email_idx;"},
	{name: "index created in the file", sql: "CREATE INDEX CONCURRENTLY i ON users (a);\nDROP INDEX i;"},
})

func TestDropIndex(t *testing.T) { runCases(t, "CO202", dropIndexCases) }
