package lint

import "testing"

var enumRenameCases = register("CO111", []ruleCase{
	{name: "rename value", sql: "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';", want: []want{{line: 1, why: []string{`"sad"`, `"mood"`, `"blue"`}}}},
	{name: "post-deploy too", sql: "ALTER TYPE app.mood RENAME VALUE 'sad' TO 'blue';", opts: Options{Phase: PostDeploy},
		want: []want{{line: 1, why: []string{`"app.mood"`}}}},
	{name: "add value is not a rename", sql: "ALTER TYPE mood ADD VALUE 'blue';"},
})

func TestEnumRename(t *testing.T) { runCases(t, "CO111", enumRenameCases) }
