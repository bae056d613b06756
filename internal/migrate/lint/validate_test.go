package lint

import "testing"

var validateCases = register("CO206", []ruleCase{
	{name: "same explicit transaction", sql: `BEGIN;
ALTER TABLE users ADD CONSTRAINT age_pos CHECK (age > 0) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT age_pos;
COMMIT;`,
		want: []want{{line: 3, why: []string{`"age_pos"`, `"users"`, "line 2", "ACCESS EXCLUSIVE"}}}},
	{name: "same wrapped file, foreign key", opts: Options{InTransaction: true}, sql: `ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT fk;`,
		want: []want{{line: 2, why: []string{"SHARE ROW EXCLUSIVE"}}}},
	{name: "separate transactions", sql: `BEGIN;
ALTER TABLE users ADD CONSTRAINT age_pos CHECK (age > 0) NOT VALID;
COMMIT;
BEGIN;
ALTER TABLE users VALIDATE CONSTRAINT age_pos;
COMMIT;`},
	{name: "autocommit statements", sql: `ALTER TABLE users ADD CONSTRAINT age_pos CHECK (age > 0) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT age_pos;`},
	{name: "validate alone", sql: "ALTER TABLE users VALIDATE CONSTRAINT age_pos;", opts: Options{InTransaction: true}},
})

func TestValidate(t *testing.T) { runCases(t, "CO206", validateCases) }
