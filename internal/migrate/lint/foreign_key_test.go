package lint

import "testing"

var foreignKeyCases = register("CO204", []ruleCase{
	{name: "validated at once", sql: "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
		want: []want{{line: 1, why: []string{`"orders_user_fk"`, `"orders"`, `"users"`, "SHARE ROW EXCLUSIVE"}}}},
	{name: "not valid", sql: "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;"},
	{name: "REFERENCES in ADD COLUMN with a default", sql: "ALTER TABLE users ADD COLUMN org_id bigint DEFAULT 1 REFERENCES orgs (id);",
		want: []want{{line: 1, why: []string{`"org_id"`, `"orgs"`, "ACCESS EXCLUSIVE"}}}},
	{name: "REFERENCES in ADD COLUMN without a default", sql: "ALTER TABLE users ADD COLUMN org_id bigint REFERENCES orgs (id);"},
	{name: "REFERENCES in ADD COLUMN with DEFAULT NULL", sql: "ALTER TABLE users ADD COLUMN org_id bigint DEFAULT NULL REFERENCES orgs (id);"},
	{name: "new table", sql: "CREATE TABLE t (user_id bigint);\nALTER TABLE t ADD FOREIGN KEY (user_id) REFERENCES users (id);"},
})

func TestForeignKey(t *testing.T) { runCases(t, "CO204", foreignKeyCases) }
