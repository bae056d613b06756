package lint

import "testing"

var refreshCases = register("CO215", []ruleCase{
	{name: "plain refresh", sql: "REFRESH MATERIALIZED VIEW sales_summary;",
		want: []want{{line: 1, why: []string{`"sales_summary"`, "ACCESS EXCLUSIVE"}}}},
	{name: "concurrently", sql: "REFRESH MATERIALIZED VIEW CONCURRENTLY sales_summary;"},
	{name: "created in the file", sql: "CREATE MATERIALIZED VIEW s AS SELECT 1 AS a WITH NO DATA;\nREFRESH MATERIALIZED VIEW s;"},
})

func TestRefresh(t *testing.T) { runCases(t, "CO215", refreshCases) }
