package lint

import "testing"

var addNotNullCases = register("CO107", []ruleCase{
	{name: "not null without default", sql: "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;",
		want: []want{{line: 1, why: []string{`"tenant_id"`, `"users"`}}}},
	{name: "default null is no default", sql: "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL DEFAULT NULL;",
		want: []want{{line: 1}}},
	{name: "primary key implies not null", sql: "ALTER TABLE users ADD COLUMN uid int PRIMARY KEY;",
		want: []want{{line: 1}}},
	{name: "with a default", sql: "ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;"},
	{name: "nullable", sql: "ALTER TABLE users ADD COLUMN nickname text;"},
	{name: "identity fills itself", sql: "ALTER TABLE users ADD COLUMN n bigint NOT NULL GENERATED ALWAYS AS IDENTITY;"},
	{name: "new table", sql: "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int NOT NULL;"},
})

func TestAddNotNull(t *testing.T) { runCases(t, "CO107", addNotNullCases) }
