package lint

import "testing"

var lockTimeoutCases = register("CO213", []ruleCase{
	{name: "missing", sql: "SELECT 1;\nALTER TABLE users ADD COLUMN nickname text;\nCREATE INDEX i ON users (a);",
		want: []want{{line: 2, why: []string{"ACCESS EXCLUSIVE", `"users"`}}}},
	{name: "create index takes share", sql: "CREATE INDEX i ON users (a);",
		want: []want{{line: 1, why: []string{"a SHARE lock"}}}},
	{name: "set local outside a transaction does nothing", sql: "SET LOCAL lock_timeout = '1s';\nALTER TABLE users ADD COLUMN n text;",
		want: []want{{line: 2}}},
	{name: "zero turns it off", sql: "SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN n text;",
		want: []want{{line: 2}}},
	{name: "reset turns it off", sql: "SET lock_timeout = '1s';\nRESET lock_timeout;\nALTER TABLE users ADD COLUMN n text;",
		want: []want{{line: 3}}},
	{name: "set", sql: "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;"},
	{name: "the runner sets it", sql: "ALTER TABLE users ADD COLUMN nickname text;", opts: Options{RunnerSetsLockTimeout: true}},
	{name: "the file turns the runner's off", sql: "SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN n text;",
		opts: Options{RunnerSetsLockTimeout: true}, want: []want{{line: 2, why: []string{"turned off by the file"}}}},
	{name: "the file resets the runner's", sql: "RESET lock_timeout;\nALTER TABLE users ADD COLUMN n text;",
		opts: Options{RunnerSetsLockTimeout: true}, want: []want{{line: 2}}},
	{name: "set_config turns the runner's off", sql: "SELECT set_config('lock_timeout', '0', false);\nALTER TABLE users ADD COLUMN n text;",
		opts: Options{RunnerSetsLockTimeout: true}, want: []want{{line: 2}}},
	{name: "SET LOCAL 0 turns the runner's off in its transaction", sql: "BEGIN;\nSET LOCAL lock_timeout = 0;\nALTER TABLE users ADD COLUMN n text;\nCOMMIT;",
		opts: Options{RunnerSetsLockTimeout: true}, want: []want{{line: 3}}},
	{name: "set_config local 0 in the runner's transaction", sql: "SELECT set_config('lock_timeout', '0', true);\nALTER TABLE users ADD COLUMN n text;",
		opts: Options{RunnerSetsLockTimeout: true, InTransaction: true}, want: []want{{line: 2}}},
	{name: "the file sets its own over the runner's", sql: "SET lock_timeout = '1s';\nALTER TABLE users ADD COLUMN n text;",
		opts: Options{RunnerSetsLockTimeout: true}},
	{name: "set local inside the transaction", sql: "BEGIN;\nSET LOCAL lock_timeout TO '2s';\nALTER TABLE users ADD COLUMN n text;\nCOMMIT;"},
	{name: "set_config", sql: "SELECT set_config('lock_timeout', '2s', false);\nALTER TABLE users ADD COLUMN n text;"},
	{name: "only new tables", sql: "CREATE TABLE t (a int);\nCREATE INDEX ON t (a);"},
	{name: "weak locks only", sql: "CREATE INDEX CONCURRENTLY i ON users (a);\nALTER TABLE users VALIDATE CONSTRAINT c;"},
	{name: "foreign key in a new table locks the referenced one", sql: "CREATE TABLE t (user_id bigint REFERENCES users (id));",
		want: []want{{line: 1, why: []string{"SHARE ROW EXCLUSIVE", `"users"`}}}},
})

func TestLockTimeout(t *testing.T) { runCases(t, "CO213", lockTimeoutCases) }
