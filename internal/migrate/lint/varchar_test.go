package lint

import "testing"

var varcharCases = register("CO303", []ruleCase{
	{name: "known shrink", sql: "ALTER TABLE users ADD COLUMN name varchar(100);\nALTER TABLE users ALTER COLUMN name TYPE varchar(50);",
		want: []want{{line: 2, why: []string{`"users"."name"`, "varchar(100)", "varchar(50)", "ACCESS EXCLUSIVE"}}}},
	{name: "text to varchar(n)", sql: "ALTER TABLE users ADD COLUMN bio text;\nALTER TABLE users ALTER bio TYPE varchar(500);",
		want: []want{{line: 2, why: []string{"from text"}}}},
	{name: "char length change", sql: "ALTER TABLE users ADD COLUMN cc char(2);\nALTER TABLE users ALTER cc TYPE char(3);",
		want: []want{{line: 2, why: []string{"char(2)"}}}},
	{name: "USING", sql: "ALTER TABLE users ALTER name TYPE text USING trim(name);",
		want: []want{{line: 1, why: []string{"USING"}}}},
	{name: "unknown current type is an error", sql: "ALTER TABLE users ALTER COLUMN name TYPE varchar(50);",
		want: []want{{line: 1, why: []string{"varchar(50)", "do not show its current type"}}}},
	{name: "known widening", sql: "ALTER TABLE users ADD COLUMN name varchar(50);\nALTER TABLE users ALTER COLUMN name TYPE varchar(100);"},
	{name: "varchar to text", sql: "ALTER TABLE users ADD COLUMN name varchar(50);\nALTER TABLE users ALTER COLUMN name TYPE text;"},
	{name: "to text, current type unknown", sql: "ALTER TABLE users ALTER COLUMN name TYPE text;", want: []want{{line: 1}}},
	{name: "to unbounded varchar, current type unknown", sql: "ALTER TABLE users ALTER COLUMN name TYPE varchar;", want: []want{{line: 1}}},
	{name: "array of varchar widened is still a rewrite", sql: "ALTER TABLE users ADD COLUMN tags varchar(10)[];\nALTER TABLE users ALTER tags TYPE varchar(20)[];",
		want: []want{{line: 2, why: []string{"varchar(10)[]", "varchar(20)[]"}}}},
	{name: "same array type", sql: "ALTER TABLE users ADD COLUMN tags text[];\nALTER TABLE users ALTER tags TYPE text[];"},
	{name: "non-string is CO105's", sql: "ALTER TABLE users ALTER COLUMN n TYPE bigint;"},
})

func TestVarchar(t *testing.T) { runCases(t, "CO303", varcharCases) }
