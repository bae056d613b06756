package lint

import "testing"

var setNotNullCases = register("CO106", []ruleCase{
	{name: "pre-deploy", sql: "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
		want: []want{{line: 1, why: []string{`"users"."email"`, "ACCESS EXCLUSIVE", "writes of NULL"}}}},
	{name: "post-deploy only scans", sql: "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", opts: Options{Phase: PostDeploy},
		want: []want{{line: 1, severity: "warning", why: []string{"scans the whole table"}}}},
	{name: "validated CHECK first skips the scan", sql: `ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT email_nn;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;`},
	{name: "unvalidated CHECK still scans", sql: `ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;`,
		want: []want{{line: 2, severity: "warning"}}},
	{name: "PostgreSQL 11 scans despite the CHECK", opts: Options{TargetVersion: 11}, sql: `ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT email_nn;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;`,
		want: []want{{line: 3, severity: "warning"}}},
	{name: "new table", sql: "CREATE TABLE t (a int);\nALTER TABLE t ALTER a SET NOT NULL;"},
	{name: "drop not null is fine", sql: "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;"},
})

func TestSetNotNull(t *testing.T) { runCases(t, "CO106", setNotNullCases) }
