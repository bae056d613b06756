package lint

import "testing"

var uniqueIndexCases = register("CO214", []ruleCase{
	{name: "unique", sql: "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
		want: []want{{line: 1, why: []string{`UNIQUE "users_email_key"`, `"users"`, "ACCESS EXCLUSIVE"}}}},
	{name: "primary key", sql: "ALTER TABLE users ADD PRIMARY KEY (id);",
		want: []want{{line: 1, why: []string{"PRIMARY KEY"}}}},
	{name: "using index", sql: "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;"},
	{name: "unique inside ADD COLUMN", sql: "ALTER TABLE users ADD COLUMN handle text UNIQUE;",
		want: []want{{line: 1, why: []string{`"handle"`, "UNIQUE inside ADD COLUMN", "ACCESS EXCLUSIVE"}}}},
	{name: "primary key inside ADD COLUMN", sql: "ALTER TABLE logs ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;",
		want: []want{{line: 1, why: []string{"PRIMARY KEY"}}}},
	{name: "plain ADD COLUMN", sql: "ALTER TABLE users ADD COLUMN handle text;"},
	{name: "new table", sql: "CREATE TABLE t (id int);\nALTER TABLE t ADD PRIMARY KEY (id);"},
})

func TestUniqueIndex(t *testing.T) { runCases(t, "CO214", uniqueIndexCases) }
