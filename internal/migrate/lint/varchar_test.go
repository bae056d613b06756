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
	{name: "unknown current type is an info", sql: "ALTER TABLE users ALTER COLUMN name TYPE varchar(50);",
		want: []want{{line: 1, severity: "info", why: []string{"varchar(50)"}}}},
	{name: "known widening", sql: "ALTER TABLE users ADD COLUMN name varchar(50);\nALTER TABLE users ALTER COLUMN name TYPE varchar(100);"},
	{name: "varchar to text", sql: "ALTER TABLE users ADD COLUMN name varchar(50);\nALTER TABLE users ALTER COLUMN name TYPE text;"},
	{name: "to text, current type unknown", sql: "ALTER TABLE users ALTER COLUMN name TYPE text;"},
	{name: "to unbounded varchar", sql: "ALTER TABLE users ALTER COLUMN name TYPE varchar;"},
	{name: "non-string is CO105's", sql: "ALTER TABLE users ALTER COLUMN n TYPE bigint;"},
})

func TestVarchar(t *testing.T) { runCases(t, "CO303", varcharCases) }
