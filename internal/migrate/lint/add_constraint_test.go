package lint

import "testing"

var addConstraintCases = register("CO109", []ruleCase{
	{name: "check, even not valid", sql: "ALTER TABLE users ADD CONSTRAINT age_pos CHECK (age > 0) NOT VALID;",
		want: []want{{line: 1, why: []string{`CHECK constraint "age_pos"`, `"users"`}}}},
	{name: "unique", sql: "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
		want: []want{{line: 1, why: []string{"UNIQUE"}}}},
	{name: "unique using an index already enforced", sql: "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;"},
	{name: "unique index", sql: "CREATE UNIQUE INDEX CONCURRENTLY users_email_idx ON users (email);",
		want: []want{{line: 1, why: []string{`"users_email_idx"`, "(email)"}}}},
	{name: "post-deploy", sql: "ALTER TABLE users ADD CONSTRAINT age_pos CHECK (age > 0) NOT VALID;", opts: Options{Phase: PostDeploy}},
	{name: "foreign key is not this rule", sql: "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;"},
	{name: "new table", sql: "CREATE TABLE t (a int);\nALTER TABLE t ADD CHECK (a > 0);"},
})

func TestAddConstraint(t *testing.T) { runCases(t, "CO109", addConstraintCases) }
