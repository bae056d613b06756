package lint

import (
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// typeOf parses a type name as PostgreSQL does.
func typeOf(t *testing.T, typ string) *pg.TypeName {
	t.Helper()
	tree, err := pg.Parse("CREATE TABLE x (c " + typ + ")")
	if err != nil {
		t.Fatalf("parse type %q: %v", typ, err)
	}
	return tree.Stmts[0].Stmt.GetCreateStmt().TableElts[0].GetColumnDef().TypeName
}

// stmtOf parses one statement.
func stmtOf(t *testing.T, sql string) *pg.Node {
	t.Helper()
	tree, err := pg.Parse(sql)
	if err != nil {
		t.Fatalf("parse %q: %v", sql, err)
	}
	return tree.Stmts[0].Stmt
}

func TestTypeString(t *testing.T) {
	tests := map[string]string{
		"int":                         "integer",
		"integer[]":                   "integer[]",
		"character varying(20)":       "varchar(20)",
		"numeric(10, 2)":              "numeric(10,2)",
		"timestamp(3) with time zone": "timestamptz(3)",
		"timestamp":                   "timestamp",
		"serial":                      "serial",
		"text":                        "text",
		"char(2)":                     "char(2)",
	}
	for in, want := range tests {
		if got := typeString(typeOf(t, in)); got != want {
			t.Errorf("%s: got %q, want %q", in, got, want)
		}
	}
}

func TestNames(t *testing.T) {
	is := stmtOf(t, "CREATE INDEX i ON app.users (a)").GetIndexStmt()
	if relName(is.Relation) != "app.users" || relKey(is.Relation) != "app.users" || indexKey(is.Relation, "i") != "index app.i" {
		t.Errorf("got %q %q %q, want app.users app.users, index app.i", relName(is.Relation), relKey(is.Relation), indexKey(is.Relation, "i"))
	}
	is = stmtOf(t, "CREATE INDEX i ON public.users (a)").GetIndexStmt()
	if relKey(is.Relation) != "users" || indexKey(is.Relation, "i") != "index i" {
		t.Errorf("got %q %q, want the public schema dropped from keys", relKey(is.Relation), indexKey(is.Relation, "i"))
	}
	ds := stmtOf(t, "DROP INDEX public.i").GetDropStmt()
	if name, key := dropKey(ds.Objects[0], true); name != "public.i" || key != "index i" {
		t.Errorf("got %q %q, want public.i and index i", name, key)
	}
}

func TestHasOption(t *testing.T) {
	tests := map[string]bool{
		"VACUUM FULL t":            true,
		"VACUUM (FULL) t":          true,
		"VACUUM (FULL true) t":     true,
		"VACUUM (FULL on) t":       true,
		"VACUUM (FULL false) t":    false,
		"VACUUM (FULL 0) t":        false,
		"VACUUM (ANALYZE) t":       false,
		"VACUUM (full, verbose) t": true,
	}
	for sql, want := range tests {
		if got := hasOption(stmtOf(t, sql).GetVacuumStmt().Options, "full"); got != want {
			t.Errorf("%s: got %v, want %v", sql, got, want)
		}
	}
}

func TestFuncCalls(t *testing.T) {
	n := stmtOf(t, "SELECT coalesce(pg_catalog.lower(a), md5(random()::text)) FROM t WHERE b = now()")
	got := strings.Join(funcCalls(n), ",")
	if got != "coalesce,lower,md5,random,now" && got != "lower,md5,random,now" {
		t.Errorf("got %q, want every function called, at any depth", got)
	}
}
