package capture

import (
	"reflect"
	"strings"
	"testing"
)

func TestAttribute(t *testing.T) {
	app := t.TempDir()
	writeFiles(t, app, map[string]string{
		"db/migrate/20261205120000_remove_body_from_posts.rb": "",
		"blog/migrations/0002_remove_post_body.py":            "",
		"alembic/versions/1a2b_drop_body.py":                  "revision: str = \"1a2b\"\ndown_revision = None\n",
		"alembic/versions/9f9f_other.py":                      "revision = '9f9f'\n",
	})
	writeFiles(t, app, map[string]string{"db/post_migrate/20261205140000_remove_body_from_posts.rb": ""})
	tx := func(n int, sqls ...string) []Statement {
		var out []Statement
		for _, s := range sqls {
			out = append(out, Statement{Session: "s", SQL: s, Tx: n})
		}
		return out
	}
	cases := []struct {
		name  string
		stmts []Statement
		want  []string // "name: sql | sql"
	}{
		{"rails in a transaction, with bound parameters",
			append(tx(1, "BEGIN", "ALTER TABLE posts DROP COLUMN body"), Statement{Session: "s", Tx: 1,
				SQL: `INSERT INTO "schema_migrations" ("version") VALUES ($1)`, Params: []string{"'20261205120000'"}}),
			[]string{"db/migrate/20261205120000_remove_body_from_posts.rb: BEGIN | ALTER TABLE posts DROP COLUMN body"}},
		{"django, record after the operations",
			tx(1, "BEGIN", "ALTER TABLE blog_post DROP COLUMN body CASCADE",
				`INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('blog', '0002_remove_post_body', '2026-12-05T13:00:00'::timestamptz) RETURNING "django_migrations"."id"`,
				"COMMIT"),
			[]string{"blog/migrations/0002_remove_post_body.py: BEGIN | ALTER TABLE blog_post DROP COLUMN body CASCADE",
				"release command: COMMIT"}},
		{"alembic, two revisions in one transaction",
			tx(1, "BEGIN", "CREATE INDEX a ON t (a)", "INSERT INTO alembic_version (version_num) VALUES ('9f9f') RETURNING alembic_version.version_num",
				"ALTER TABLE posts DROP COLUMN body", "UPDATE alembic_version SET version_num='1a2b' WHERE alembic_version.version_num = '9f9f'"),
			[]string{"alembic/versions/9f9f_other.py: BEGIN | CREATE INDEX a ON t (a)",
				"alembic/versions/1a2b_drop_body.py: ALTER TABLE posts DROP COLUMN body"}},
		{"alembic with a version table of its own name (version_table=, version_table_schema=)",
			tx(1, "BEGIN", "CREATE INDEX a ON t (a)", "INSERT INTO blog_revisions (version_num) VALUES ('9f9f') RETURNING blog_revisions.version_num",
				"ALTER TABLE posts DROP COLUMN body", "UPDATE app.blog_revisions SET version_num='1a2b' WHERE app.blog_revisions.version_num = '9f9f'"),
			[]string{"alembic/versions/9f9f_other.py: BEGIN | CREATE INDEX a ON t (a)",
				"alembic/versions/1a2b_drop_body.py: ALTER TABLE posts DROP COLUMN body"}},
		{"alembic with an autocommit_block: the transaction before it and the block are the revision's",
			append(append(append(tx(0, "SELECT version_num FROM alembic_version"), tx(1, "BEGIN", "ALTER TABLE posts DROP COLUMN body", "COMMIT")...),
				tx(0, "CREATE INDEX CONCURRENTLY i ON posts (title)")...),
				tx(2, "BEGIN", "UPDATE alembic_version SET version_num='1a2b' WHERE alembic_version.version_num = '9f9f'", "COMMIT")...),
			[]string{"alembic/versions/1a2b_drop_body.py: SELECT version_num FROM alembic_version | BEGIN | ALTER TABLE posts DROP COLUMN body | COMMIT | CREATE INDEX CONCURRENTLY i ON posts (title) | BEGIN",
				"release command: COMMIT"}},
		{"django with atomic = False: the operations on their own and in a transaction of their own are the migration's",
			append(append(append(tx(0, "ALTER TABLE blog_post DROP COLUMN body CASCADE"), tx(1, "BEGIN", "UPDATE blog_post SET title = 'untitled' WHERE title = ''", "COMMIT")...),
				tx(0, "ALTER TABLE blog_post ADD COLUMN subtitle text NULL")...),
				tx(0, `INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('blog', '0002_remove_post_body', now())`)...),
			[]string{"blog/migrations/0002_remove_post_body.py: ALTER TABLE blog_post DROP COLUMN body CASCADE | BEGIN | UPDATE blog_post SET title = 'untitled' WHERE title = '' | COMMIT | ALTER TABLE blog_post ADD COLUMN subtitle text NULL"}},
		{"an app's own writes of a version_num beside other columns are not Alembic's",
			tx(1, "BEGIN", "INSERT INTO documents (title, version_num) VALUES ('a', '9f9f')",
				"UPDATE documents SET version_num = '1a2b', title = 'b' WHERE id = 1", "COMMIT"),
			[]string{"release command: BEGIN | INSERT INTO documents (title, version_num) VALUES ('a', '9f9f') | UPDATE documents SET version_num = '1a2b', title = 'b' WHERE id = 1 | COMMIT"}},
		{"a marker outside a transaction claims the loose statements since the last transaction",
			append(append(tx(1, "BEGIN", "SELECT 1", "COMMIT"), tx(0, "CREATE INDEX CONCURRENTLY i ON t (a)")...),
				tx(0, "INSERT INTO schema_migrations (version) VALUES ('20261205120000')")...),
			[]string{"db/migrate/20261205120000_remove_body_from_posts.rb: CREATE INDEX CONCURRENTLY i ON t (a)",
				"release command: BEGIN | SELECT 1 | COMMIT"}},
		{"rails with disable_ddl_transaction!: the write alone in a transaction claims the loose statements before it",
			append(append(append(tx(1, "BEGIN", "SELECT 1", "COMMIT"), tx(0, "CREATE INDEX CONCURRENTLY i ON t (a)")...),
				tx(2, "BEGIN", "INSERT INTO schema_migrations (version) VALUES ('20261205120000')")...), tx(2, "COMMIT")...),
			[]string{"db/migrate/20261205120000_remove_body_from_posts.rb: CREATE INDEX CONCURRENTLY i ON t (a) | BEGIN",
				"release command: BEGIN | SELECT 1 | COMMIT | COMMIT"}},
		{"django with deferred SQL: the write after COMMIT (and a read) claims the transaction",
			append(tx(1, "BEGIN", "ALTER TABLE blog_post ADD COLUMN slug text", "CREATE INDEX blog_post_slug ON blog_post (slug)", "COMMIT"),
				tx(0, "SELECT relname FROM pg_class", `INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('blog', '0002_remove_post_body', now())`)...),
			[]string{"blog/migrations/0002_remove_post_body.py: BEGIN | ALTER TABLE blog_post ADD COLUMN slug text | CREATE INDEX blog_post_slug ON blog_post (slug) | COMMIT | SELECT relname FROM pg_class"}},
		{"rails post-deployment migration run by the release command",
			tx(0, "ALTER TABLE posts DROP COLUMN body", "INSERT INTO schema_migrations (version) VALUES ('20261205140000')"),
			[]string{"db/post_migrate/20261205140000_remove_body_from_posts.rb: ALTER TABLE posts DROP COLUMN body"}},
		{"a version without a file is named by the bookkeeping",
			tx(0, "INSERT INTO schema_migrations (version) VALUES ('1999')"),
			[]string{"rails migration 1999: "}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, m := range Attribute(app, c.stmts) {
				var sqls []string
				for _, s := range m.Statements {
					sqls = append(sqls, s.SQL)
				}
				got = append(got, m.Name()+": "+strings.Join(sqls, " | "))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestNewSource: the linter sees each captured statement in the transaction it ran in, or on its
// own: a CREATE INDEX CONCURRENTLY before a transaction is not wrapped in one.
func TestNewSource(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stmts []Statement
		want  string
	}{
		{"loose, then a transaction cut at its write",
			[]Statement{{SQL: "CREATE INDEX CONCURRENTLY i ON t (a)"}, {SQL: "BEGIN", Tx: 2}},
			"CREATE INDEX CONCURRENTLY i ON t (a);\nBEGIN;\nCOMMIT;\n"},
		{"a transaction's part without its BEGIN, then a loose statement",
			[]Statement{{SQL: "ALTER TABLE t ADD COLUMN b int", Tx: 3}, {SQL: "SELECT 1"}},
			"BEGIN;\nALTER TABLE t ADD COLUMN b int;\nCOMMIT;\nSELECT 1;\n"},
		{"two transactions",
			[]Statement{{SQL: "BEGIN", Tx: 1}, {SQL: "SELECT 1", Tx: 1}, {SQL: "COMMIT", Tx: 1}, {SQL: "SELECT 2", Tx: 2}},
			"BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;\n"},
	} {
		if got := newSource(Migration{Statements: tc.stmts}).sql; got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}
