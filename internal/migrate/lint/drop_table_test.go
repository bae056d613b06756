package lint

import "testing"

var dropTableCases = register("CO102", []ruleCase{
	{name: "pre-deploy drop", sql: "\n\nDROP TABLE legacy_orders;",
		want: []want{{line: 3, why: []string{`table "legacy_orders"`, "ACCESS EXCLUSIVE"}}}},
	{name: "two tables, one finding each", sql: "DROP TABLE a, b CASCADE;",
		want: []want{{line: 1, why: []string{`"a"`}}, {line: 1, why: []string{`"b"`}}}},
	{name: "view", sql: "DROP VIEW IF EXISTS active_users;",
		want: []want{{line: 1, why: []string{`view "active_users"`}}}},
	{name: "post-deploy is the contract step", sql: "DROP TABLE legacy_orders;", opts: Options{Phase: PostDeploy}},
	{name: "table created earlier in the file", sql: "CREATE TABLE tmp (a int);\nDROP TABLE tmp;"},
	{name: "drop then recreate still drops the old one", sql: "DROP TABLE tmp;\nCREATE TABLE tmp (a int);",
		want: []want{{line: 1, why: []string{`"tmp"`}}}},
	{name: "IF NOT EXISTS does not prove the table new", sql: "CREATE TABLE IF NOT EXISTS tmp (a int);\nDROP TABLE tmp;",
		want: []want{{line: 2, why: []string{`"tmp"`}}}},
	{name: "CREATE OR REPLACE VIEW does not prove the view new", sql: "CREATE OR REPLACE VIEW v AS SELECT 1;\nDROP VIEW v;",
		want: []want{{line: 2, why: []string{`view "v"`}}}},
	{name: "view re-created in the same transaction", sql: "BEGIN;\nDROP VIEW active_users;\nCREATE VIEW active_users AS SELECT id FROM users;\nCOMMIT;"},
	{name: "view re-created after COMMIT", sql: "DROP VIEW active_users;\nCREATE VIEW active_users AS SELECT id FROM users;",
		want: []want{{line: 1, why: []string{`view "active_users"`}}}},
	{name: "drop index is not a table", sql: "DROP INDEX CONCURRENTLY users_email_idx;"},
})

func TestDropTable(t *testing.T) { runCases(t, "CO102", dropTableCases) }
