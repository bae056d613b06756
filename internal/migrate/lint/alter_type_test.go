package lint

import "testing"

var alterTypeCases = register("CO105", []ruleCase{
	{name: "int to bigint", sql: "ALTER TABLE users ALTER COLUMN age TYPE bigint;",
		want: []want{{line: 1, why: []string{`"age"`, `"users"`, "bigint", "ACCESS EXCLUSIVE", "not in the migrations linted"}}}},
	{name: "integer array to bigint array", sql: "ALTER TABLE users ADD COLUMN ids integer[];\nALTER TABLE users ALTER ids TYPE bigint[];",
		want: []want{{line: 2, why: []string{"bigint[]", "(was integer[])"}}}},
	{name: "metadata-only varchar widening", sql: "ALTER TABLE users ADD COLUMN c varchar(10);\nALTER TABLE users ALTER c TYPE varchar(20);"},
	{name: "known old type shown", sql: "ALTER TABLE users ADD COLUMN n integer;\nALTER TABLE users ALTER n TYPE bigint;",
		want: []want{{line: 2, why: []string{"(was integer)"}}}},
	{name: "numeric precision widened", sql: "ALTER TABLE users ADD COLUMN p numeric(10,2);\nALTER TABLE users ALTER p TYPE numeric(12,2);"},
	{name: "numeric scale changed", sql: "ALTER TABLE users ADD COLUMN p numeric(10,2);\nALTER TABLE users ALTER p TYPE numeric(12,3);",
		want: []want{{line: 2, why: []string{"numeric(12,3)"}}}},
	{name: "to text is CO303's", sql: "ALTER TABLE users ALTER COLUMN name TYPE text;"},
	{name: "int to text is a rewrite", sql: "ALTER TABLE users ADD COLUMN code int;\nALTER TABLE users ALTER code TYPE text;",
		want: []want{{line: 2, why: []string{"text", "(was integer)"}}}},
	{name: "USING forces a rewrite", sql: "ALTER TABLE users ADD COLUMN p numeric(10,2);\nALTER TABLE users ALTER p TYPE numeric(12,2) USING p * 1;",
		want: []want{{line: 2}}},
	{name: "serial is an integer already", sql: "CREATE TABLE t (id serial, n bigserial);\nALTER TABLE t ALTER id TYPE integer;\nALTER TABLE t ALTER n TYPE int8;"},
	{name: "USING the column itself is no USING", sql: "ALTER TABLE users ADD COLUMN n bigint;\nALTER TABLE users ALTER n TYPE bigint USING n;\nALTER TABLE users ALTER n TYPE bigint USING n::bigint;"},
	{name: "USING an expression of the same type", sql: "ALTER TABLE users ADD COLUMN n bigint;\nALTER TABLE users ALTER n TYPE bigint USING n + 1;",
		want: []want{{line: 2}}},
	{name: "new table", sql: "CREATE TABLE t (a int);\nALTER TABLE t ALTER a TYPE bigint;"},
})

func TestAlterType(t *testing.T) { runCases(t, "CO105", alterTypeCases) }
