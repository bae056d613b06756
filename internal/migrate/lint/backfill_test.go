package lint

import "testing"

var backfillCases = register("CO219", []ruleCase{
	{name: "add column then update", opts: Options{InTransaction: true},
		sql:  "ALTER TABLE users ADD COLUMN active boolean;\nUPDATE users SET active = true WHERE active IS NULL;",
		want: []want{{line: 2, why: []string{"updates", `"users"`, "ACCESS EXCLUSIVE", "line 1"}}}},
	{name: "index then insert select, explicit transaction",
		sql:  "BEGIN;\nCREATE INDEX i ON orders (user_id);\nINSERT INTO archive SELECT * FROM orders;\nCOMMIT;",
		want: []want{{line: 3, why: []string{"inserts from a SELECT", `"archive"`, "SHARE"}}}},
	{name: "committed in between", sql: "ALTER TABLE users ADD COLUMN active boolean;\nUPDATE users SET active = true;"},
	{name: "insert values", opts: Options{InTransaction: true},
		sql: "ALTER TABLE users ADD COLUMN active boolean;\nINSERT INTO users (id, active) VALUES (1, true);"},
	{name: "backfill before the DDL", opts: Options{InTransaction: true},
		sql: "UPDATE users SET a = 1 WHERE id < 100;\nALTER TABLE users ADD COLUMN active boolean;"},
	{name: "new table", opts: Options{InTransaction: true},
		sql: "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;\nINSERT INTO t SELECT id, 1 FROM users;"},
	{name: "weak lock", opts: Options{InTransaction: true},
		sql: "ALTER TABLE users VALIDATE CONSTRAINT c;\nUPDATE users SET a = 1 WHERE id < 100;"},
})

func TestBackfill(t *testing.T) { runCases(t, "CO219", backfillCases) }
