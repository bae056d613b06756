package lint

import "testing"

var renameTableCases = register("CO104", []ruleCase{
	{name: "table", sql: "ALTER TABLE users RENAME TO accounts;",
		want: []want{{line: 1, why: []string{`"users"`, `"accounts"`, "ACCESS EXCLUSIVE"}}}},
	{name: "view", sql: "ALTER VIEW active RENAME TO active_users;",
		want: []want{{line: 1, why: []string{`"active"`}}}},
	{name: "new table", sql: "CREATE TABLE t (a int);\nALTER TABLE t RENAME TO u;"},
	{name: "index rename is fine", sql: "ALTER INDEX users_idx RENAME TO users_email_idx;"},
})

func TestRenameTable(t *testing.T) { runCases(t, "CO104", renameTableCases) }
