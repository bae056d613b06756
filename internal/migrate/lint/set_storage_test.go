package lint

import "testing"

var setStorageCases = register("CO217", []ruleCase{
	{name: "set logged", sql: "ALTER TABLE events SET LOGGED;", want: []want{{line: 1, why: []string{"SET LOGGED", `"events"`, "ACCESS EXCLUSIVE"}}}},
	{name: "set unlogged", sql: "ALTER TABLE events SET UNLOGGED;", want: []want{{line: 1, why: []string{"SET UNLOGGED"}}}},
	{name: "set tablespace", sql: "ALTER TABLE events SET TABLESPACE fast;", want: []want{{line: 1, why: []string{"SET TABLESPACE fast"}}}},
	{name: "new table", sql: "CREATE UNLOGGED TABLE t (a int);\nALTER TABLE t SET LOGGED;"},
	{name: "storage parameters are not a copy", sql: "ALTER TABLE events SET (fillfactor = 70);"},
})

func TestSetStorage(t *testing.T) { runCases(t, "CO217", setStorageCases) }
