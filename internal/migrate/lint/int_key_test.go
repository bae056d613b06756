package lint

import "testing"

var intKeyCases = register("CO302", []ruleCase{
	{name: "serial", sql: "CREATE TABLE users (id serial PRIMARY KEY, email text);",
		want: []want{{line: 1, why: []string{`"id"`, `"users"`, "serial", "2,147,483,647"}}}},
	{name: "integer table constraint", sql: "CREATE TABLE users (\n  id integer,\n  PRIMARY KEY (id)\n);",
		want: []want{{line: 1, why: []string{"integer"}}}},
	{name: "smallint", sql: "CREATE TABLE kinds (id smallint PRIMARY KEY);",
		want: []want{{line: 1, why: []string{"32,767"}}}},
	{name: "added column", sql: "CREATE TABLE t (a text);\nALTER TABLE t ADD COLUMN id int PRIMARY KEY;",
		want: []want{{line: 2}}},
	{name: "bigserial is an info", sql: "CREATE TABLE users (id bigserial PRIMARY KEY);",
		want: []want{{line: 1, severity: "info", why: []string{"bigserial"}}}},
	{name: "bigint identity", sql: "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);"},
	{name: "uuid", sql: "CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid());"},
	{name: "int column that is no key", sql: "CREATE TABLE users (id bigint PRIMARY KEY, age int);"},
})

func TestIntKey(t *testing.T) { runCases(t, "CO302", intKeyCases) }
