package lint

import "testing"

var lockTableCases = register("CO212", []ruleCase{
	{name: "default mode", sql: "BEGIN;\nLOCK TABLE users;\nCOMMIT;",
		want: []want{{line: 2, why: []string{`"users"`, "ACCESS EXCLUSIVE", "reads and writes wait"}}}},
	{name: "share mode", sql: "LOCK TABLE users, orders IN SHARE MODE;",
		want: []want{{line: 1, why: []string{`"users", "orders"`, "IN SHARE MODE", "writes wait"}}}},
	{name: "row exclusive lets traffic through", sql: "LOCK TABLE users IN ROW EXCLUSIVE MODE;"},
	{name: "share update exclusive", sql: "LOCK users IN SHARE UPDATE EXCLUSIVE MODE;"},
	{name: "new table", sql: "CREATE TABLE t (a int);\nLOCK TABLE t;"},
})

func TestLockTable(t *testing.T) { runCases(t, "CO212", lockTableCases) }
