package lint

import "testing"

var detachPartitionCases = register("CO216", []ruleCase{
	{name: "plain detach", sql: "ALTER TABLE events DETACH PARTITION events_2020;",
		want: []want{{line: 1, why: []string{`"events_2020"`, `"events"`, "ACCESS EXCLUSIVE"}}}},
	{name: "before PostgreSQL 14", sql: "ALTER TABLE events DETACH PARTITION events_2020;", opts: Options{TargetVersion: 13},
		want: []want{{line: 1}}},
	{name: "concurrently", sql: "ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;"},
	{name: "attach is another matter", sql: "ALTER TABLE events ATTACH PARTITION events_2020 FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');"},
})

func TestDetachPartition(t *testing.T) { runCases(t, "CO216", detachPartitionCases) }
