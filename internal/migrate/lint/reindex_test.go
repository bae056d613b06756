package lint

import "testing"

var reindexCases = register("CO211", []ruleCase{
	{name: "index", sql: "REINDEX INDEX users_email_idx;",
		want: []want{{line: 1, why: []string{"INDEX", `"users_email_idx"`, "SHARE", "ACCESS EXCLUSIVE"}}}},
	{name: "table", sql: "REINDEX TABLE users;", want: []want{{line: 1, why: []string{`TABLE "users"`}}}},
	{name: "concurrently", sql: "REINDEX INDEX CONCURRENTLY users_email_idx;"},
	{name: "option list", sql: "REINDEX (CONCURRENTLY) TABLE users;"},
	{name: "system has no CONCURRENTLY", sql: "REINDEX SYSTEM app;"},
})

func TestReindex(t *testing.T) { runCases(t, "CO211", reindexCases) }
