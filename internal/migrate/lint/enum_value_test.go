package lint

import "testing"

var enumValueCases = register("CO208", []ruleCase{
	{name: "wrapped file on PostgreSQL 11", sql: "ALTER TYPE mood ADD VALUE 'meh';", opts: Options{TargetVersion: 11, InTransaction: true},
		want: []want{{line: 1, why: []string{`"mood"`, `"meh"`, "PostgreSQL 11"}}}},
	{name: "explicit BEGIN on PostgreSQL 10", sql: "BEGIN;\nALTER TYPE app.mood ADD VALUE IF NOT EXISTS 'meh' AFTER 'ok';\nCOMMIT;", opts: Options{TargetVersion: 10},
		want: []want{{line: 2, why: []string{`"app.mood"`}}}},
	{name: "PostgreSQL 12 allows it", sql: "ALTER TYPE mood ADD VALUE 'meh';", opts: Options{TargetVersion: 12, InTransaction: true}},
	{name: "outside a transaction on 11", sql: "ALTER TYPE mood ADD VALUE 'meh';", opts: Options{TargetVersion: 11}},
	{name: "rename value is fine", sql: "ALTER TYPE mood RENAME VALUE 'meh' TO 'so-so';", opts: Options{TargetVersion: 11, InTransaction: true}},
})

func TestEnumValue(t *testing.T) { runCases(t, "CO208", enumValueCases) }
