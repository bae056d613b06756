package lint

import "testing"

var riskyTxCases = register("CO301", []ruleCase{
	{name: "two risky statements in a wrapped file", opts: Options{InTransaction: true}, sql: `SET lock_timeout = '1s';
ALTER TABLE users ADD COLUMN nickname text;
SELECT 1;
CREATE INDEX i ON orders (user_id);`,
		want: []want{{line: 4, why: []string{"2 statements", `ACCESS EXCLUSIVE on "users" (line 2)`, `SHARE on "orders" (line 4)`}}}},
	{name: "three in an explicit transaction, one finding", sql: `BEGIN;
ALTER TABLE a ADD COLUMN x text;
ALTER TABLE b ADD COLUMN x text;
ALTER TABLE c ADD COLUMN x text;
COMMIT;`,
		want: []want{{line: 3, why: []string{"3 statements"}}}},
	{name: "autocommit statements", sql: "ALTER TABLE a ADD COLUMN x text;\nALTER TABLE b ADD COLUMN x text;"},
	{name: "separate transactions", sql: "BEGIN;\nALTER TABLE a ADD COLUMN x text;\nCOMMIT;\nBEGIN;\nALTER TABLE b ADD COLUMN x text;\nCOMMIT;"},
	{name: "one risky statement and new tables", opts: Options{InTransaction: true},
		sql: "CREATE TABLE t (a int);\nCREATE INDEX ON t (a);\nALTER TABLE users ADD COLUMN x text;"},
})

func TestRiskyTx(t *testing.T) { runCases(t, "CO301", riskyTxCases) }
