package lint

import "testing"

func TestCatalog(t *testing.T) {
	cat := newCatalog()
	lintWith := func(sql string) *File {
		t.Helper()
		f, err := parse("m.sql", []byte(sql), Options{Phase: PreDeploy, TargetVersion: 15})
		if err != nil {
			t.Fatalf("parse: got error %v, want nil", err)
		}
		cat.annotate(f)
		return f
	}
	lintWith(`CREATE TABLE users (id bigint, name varchar(10), email text, CHECK (email IS NOT NULL));
ALTER TABLE users ADD COLUMN age int;
ALTER TABLE users RENAME COLUMN name TO full_name;
CREATE TABLE gone (a int);
DROP TABLE gone;
ALTER TABLE users RENAME TO accounts;`)
	cols := cat.tables["accounts"]
	if cols == nil || cat.tables["users"] != nil || cat.tables["gone"] != nil {
		t.Fatalf("got tables %v, want accounts only", cat.tables)
	}
	for name, typ := range map[string]string{"id": "bigint", "full_name": "varchar(10)", "age": "integer"} {
		if c := cols[name]; c == nil || typeString(c.typ) != typ {
			t.Errorf("column %s: got %+v, want type %s", name, c, typ)
		}
	}
	if c := cols["email"]; c == nil || c.notNullCheck == "" || !c.notNullValid {
		t.Errorf("email: got %+v, want a valid NOT NULL check", c)
	}

	f := lintWith(`ALTER TABLE accounts ALTER full_name TYPE varchar(40);
ALTER TABLE accounts ADD CONSTRAINT age_nn CHECK (age IS NOT NULL) NOT VALID;
ALTER TABLE accounts ALTER age SET NOT NULL;
ALTER TABLE accounts VALIDATE CONSTRAINT age_nn;
ALTER TABLE accounts ALTER age SET NOT NULL;
ALTER TABLE accounts DROP CONSTRAINT age_nn;
ALTER TABLE accounts ALTER age SET NOT NULL;`)
	before := func(i int) *column {
		return f.before[f.Statements[i].Node.GetAlterTableStmt().Cmds[0].GetAlterTableCmd()]
	}
	if c := before(0); c == nil || typeString(c.typ) != "varchar(10)" {
		t.Errorf("before the type change: got %+v, want varchar(10)", c)
	}
	if typeString(cols["full_name"].typ) != "varchar(40)" {
		t.Errorf("after the type change: got %s, want varchar(40)", typeString(cols["full_name"].typ))
	}
	for i, want := range map[int][2]bool{2: {true, false}, 4: {true, true}, 6: {false, false}} {
		c := before(i)
		if c == nil || (c.notNullCheck != "") != want[0] || c.notNullValid != want[1] {
			t.Errorf("statement %d: got %+v, want check %v valid %v", i+1, c, want[0], want[1])
		}
	}
}
