package lint

import "testing"

var disableTriggersCases = register("CO305", []ruleCase{
	{name: "all", sql: "ALTER TABLE orders DISABLE TRIGGER ALL;", want: []want{{line: 1, why: []string{`"orders"`, "foreign-key", "SHARE ROW EXCLUSIVE"}}}},
	{name: "user triggers", sql: "ALTER TABLE orders DISABLE TRIGGER USER;"},
	{name: "by name", sql: "ALTER TABLE orders DISABLE TRIGGER audit;"},
	{name: "new table", sql: "CREATE TABLE t (a int);\nALTER TABLE t DISABLE TRIGGER ALL;"},
})

func TestDisableTriggers(t *testing.T) { runCases(t, "CO305", disableTriggersCases) }
