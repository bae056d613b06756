package lint

import "testing"

var updateAllCases = register("CO220", []ruleCase{
	{name: "update without where", sql: "UPDATE users SET active = true;", want: []want{{line: 1, why: []string{"updates every row", `"users"`, "ROW EXCLUSIVE"}}}},
	{name: "delete without where", sql: "DELETE FROM sessions;", want: []want{{line: 1, why: []string{"deletes every row"}}}},
	{name: "with where", sql: "UPDATE users SET active = true WHERE id BETWEEN 1 AND 5000;"},
	{name: "new table", sql: "CREATE TABLE t (a int);\nUPDATE t SET a = 1;"},
})

func TestUpdateAll(t *testing.T) { runCases(t, "CO220", updateAllCases) }
