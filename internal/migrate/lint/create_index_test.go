package lint

import "testing"

var createIndexCases = register("CO201", []ruleCase{
	{name: "plain create index", sql: "SET lock_timeout = '1s';\nCREATE INDEX users_email_idx\n  ON users (email);",
		want: []want{{line: 2, why: []string{`"users_email_idx"`, `"users"`, "SHARE lock"}}}},
	{name: "unnamed", sql: "CREATE INDEX ON users (email);", want: []want{{line: 1, why: []string{"(unnamed)"}}}},
	{name: "concurrently", sql: "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);"},
	{name: "new table", sql: "CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);"},
	{name: "IF NOT EXISTS table may be populated", sql: "CREATE TABLE IF NOT EXISTS t (a int);\nCREATE INDEX t_a ON t (a);",
		want: []want{{line: 2, why: []string{`"t"`}}}},
	{name: "silenced with a reason", sql: "-- cutover:ignore CO201 reason: lookup table with 12 rows\n-- (it never grows)\nCREATE INDEX c_idx ON countries (code);",
		want: []want{{line: 3, silenced: true}}},
	{name: "a blank line breaks the silencing", sql: "-- cutover:ignore CO201 reason: lookup table\n\nCREATE INDEX c_idx ON countries (code);",
		want: []want{{line: 3}}},
})

func TestCreateIndex(t *testing.T) { runCases(t, "CO201", createIndexCases) }
