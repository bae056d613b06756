package lint

import "testing"

var timestampCases = register("CO304", []ruleCase{
	{name: "create table", sql: "CREATE TABLE events (\n  id bigint,\n  at timestamp NOT NULL\n);",
		want: []want{{line: 1, why: []string{`"at"`, `"events"`, "without time zone"}}}},
	{name: "with precision", sql: "ALTER TABLE events ADD COLUMN seen timestamp(3);",
		want: []want{{line: 1, why: []string{"timestamp(3)"}}}},
	{name: "spelled out", sql: "ALTER TABLE events ALTER COLUMN at TYPE timestamp without time zone;",
		want: []want{{line: 1}}},
	{name: "timestamptz", sql: "CREATE TABLE events (at timestamptz, b timestamp with time zone);"},
	{name: "date", sql: "ALTER TABLE events ADD COLUMN day date;"},
})

func TestTimestamp(t *testing.T) { runCases(t, "CO304", timestampCases) }
