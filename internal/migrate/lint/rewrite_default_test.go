package lint

import "testing"

var rewriteDefaultCases = register("CO207", []ruleCase{
	{name: "gen_random_uuid", sql: "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
		want: []want{{line: 1, why: []string{`"token"`, `"users"`, "gen_random_uuid()", "ACCESS EXCLUSIVE"}}}},
	{name: "random inside an expression", sql: "ALTER TABLE users ADD COLUMN bucket int NOT NULL DEFAULT floor(random() * 10);",
		want: []want{{line: 1, why: []string{"random()"}}}},
	{name: "clock_timestamp", sql: "ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT clock_timestamp();",
		want: []want{{line: 1, why: []string{"clock_timestamp()"}}}},
	{name: "bigserial", sql: "ALTER TABLE users ADD COLUMN seq bigserial;",
		want: []want{{line: 1, why: []string{"bigserial"}}}},
	{name: "identity", sql: "ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;",
		want: []want{{line: 1, why: []string{"identity"}}}},
	{name: "stored generated", sql: "ALTER TABLE users ADD COLUMN lower_email text GENERATED ALWAYS AS (lower(email)) STORED;",
		want: []want{{line: 1, why: []string{"generated"}}}},
	{name: "any default before PostgreSQL 11", sql: "ALTER TABLE users ADD COLUMN active boolean DEFAULT true;", opts: Options{TargetVersion: 10},
		want: []want{{line: 1, why: []string{"PostgreSQL 10"}}}},
	{name: "a project's own function is volatile until shown otherwise", sql: "ALTER TABLE users ADD COLUMN code text DEFAULT app.new_code();",
		want: []want{{line: 1, why: []string{"new_code()", "does not know", "VOLATILE"}}}},
	{name: "unknown function inside a known one", sql: "ALTER TABLE users ADD COLUMN code text DEFAULT lower(make_code(8));",
		want: []want{{line: 1, why: []string{"make_code()"}}}},
	{name: "known stable functions", sql: "ALTER TABLE users ADD COLUMN day text DEFAULT to_char(date_trunc('day', now()), 'YYYY-MM-DD');"},
	{name: "jsonb_build_object is immutable", sql: "ALTER TABLE users ADD COLUMN prefs jsonb NOT NULL DEFAULT jsonb_build_object('theme', 'dark');"},
	{name: "the database says the function is stable", sql: "ALTER TABLE users ADD COLUMN code text DEFAULT app.new_code();",
		opts: Options{Volatility: map[string]byte{"new_code": 's'}}},
	{name: "the database says the function is volatile", sql: "ALTER TABLE users ADD COLUMN code text DEFAULT app.new_code();",
		opts: Options{Volatility: map[string]byte{"new_code": 'v'}}, want: []want{{line: 1, why: []string{"volatile default new_code()"}}}},
	{name: "now() is stable", sql: "ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();"},
	{name: "constant", sql: "ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;"},
	{name: "new table", sql: "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid();"},
})

func TestRewriteDefault(t *testing.T) { runCases(t, "CO207", rewriteDefaultCases) }
