package lint

import "testing"

var vacuumFullCases = register("CO209", []ruleCase{
	{name: "vacuum full", sql: "VACUUM FULL users;", want: []want{{line: 1, why: []string{`"users"`, "ACCESS EXCLUSIVE"}}}},
	{name: "option list", sql: "VACUUM (FULL, ANALYZE) users;", want: []want{{line: 1}}},
	{name: "whole database", sql: "VACUUM FULL;", want: []want{{line: 1, why: []string{"every table"}}}},
	{name: "full false", sql: "VACUUM (FULL false) users;"},
	{name: "plain vacuum", sql: "VACUUM ANALYZE users;"},
})

func TestVacuumFull(t *testing.T) { runCases(t, "CO209", vacuumFullCases) }
