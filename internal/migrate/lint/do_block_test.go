package lint

import "testing"

var doBlockCases = register("CO003", []ruleCase{
	{name: "a drop inside DO", sql: "DO $$ BEGIN ALTER TABLE users DROP COLUMN legacy; END $$;",
		want: []want{{line: 1, why: []string{"cannot read"}}}},
	{name: "EXECUTE of a string", sql: "SELECT 1;\nDO LANGUAGE plpgsql $$ BEGIN EXECUTE 'ALTER TABLE users RENAME COLUMN a TO b'; END $$;",
		want: []want{{line: 2}}},
	{name: "plain SQL", sql: "ALTER TABLE users ADD COLUMN n text;"},
})

func TestDoBlock(t *testing.T) { runCases(t, "CO003", doBlockCases) }
