package lint

import "testing"

var openTxCases = register("CO306", []ruleCase{
	{name: "begin without commit", sql: "BEGIN;\nALTER TABLE users ADD COLUMN a text;", want: []want{{line: 1, why: []string{"BEGIN", "no COMMIT"}}}},
	{name: "second transaction left open", sql: "BEGIN;\nSELECT 1;\nCOMMIT;\nSTART TRANSACTION;\nSELECT 2;",
		want: []want{{line: 4, why: []string{"START"}}}},
	{name: "commit and chain leaves one open", sql: "BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;\nSELECT 2;", want: []want{{line: 3}}},
	{name: "committed", sql: "BEGIN;\nALTER TABLE users ADD COLUMN a text;\nCOMMIT;"},
	{name: "rolled back", sql: "BEGIN;\nSELECT 1;\nROLLBACK;"},
	{name: "no transaction control", sql: "ALTER TABLE users ADD COLUMN a text;", opts: Options{InTransaction: true}},
})

func TestOpenTx(t *testing.T) { runCases(t, "CO306", openTxCases) }
