package capture

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/migrate/lint"
)

// summary renders findings as "file:line CODE severity" lines, without silenced ones.
func summary(fs []lint.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s:%d %s %s", f.File, f.Line, f.Code, f.Severity))
	}
	return out
}

func has(fs []lint.Finding, file, code string) *lint.Finding {
	for i := range fs {
		if fs[i].File == file && fs[i].Code == code {
			return &fs[i]
		}
	}
	return nil
}

func TestLintNamesTheMigrationAndTheFrameworkFix(t *testing.T) {
	stmts := func(tx int, sqls ...string) []Statement {
		var out []Statement
		for _, s := range sqls {
			out = append(out, Statement{Session: "s", SQL: s, Tx: tx})
		}
		return out
	}
	cases := []struct {
		fw, file, code, fixHas string
		stmts                  []Statement
	}{
		{Rails, "db/migrate/20261205120000_remove_body_from_posts.rb", "CO101", `self.ignored_columns += ["body"]`,
			stmts(1, "BEGIN", `ALTER TABLE "posts" DROP COLUMN "body"`)},
		{Django, "blog/migrations/0002_remove_post_body.py", "CO101", "SeparateDatabaseAndState",
			stmts(1, "BEGIN", `ALTER TABLE "blog_post" DROP COLUMN "body" CASCADE`)},
		{Alembic, "alembic/versions/1a2b_drop_body.py", "CO101", "later revision",
			stmts(1, "BEGIN", "ALTER TABLE posts DROP COLUMN body")},
		{Rails, "db/migrate/20261205130000_index_posts.rb", "CO201", "algorithm: :concurrently",
			stmts(1, "BEGIN", "SELECT 1", "CREATE INDEX posts_title ON posts (title)")},
		{Rails, "db/migrate/20261205140000_add_check.rb", "CO213", "variables: { lock_timeout",
			stmts(1, "BEGIN", "ALTER TABLE posts ADD COLUMN n int")},
		{Django, "blog/migrations/0003_post_n.py", "CO213", "-c lock_timeout=5s",
			stmts(1, "BEGIN", "ALTER TABLE blog_post ADD COLUMN n int")},
		{Alembic, "alembic/versions/3c_n.py", "CO213", "connection.execute(text(",
			stmts(1, "BEGIN", "ALTER TABLE posts ADD COLUMN n int")},
	}
	for _, c := range cases {
		t.Run(c.fw+" "+c.code, func(t *testing.T) {
			fs, err := Lint("", []Migration{{Framework: c.fw, File: c.file, Statements: c.stmts}}, lint.Options{})
			if err != nil {
				t.Fatal(err)
			}
			f := has(fs, c.file, c.code)
			if f == nil {
				t.Fatalf("got %v, want %s on %s", summary(fs), c.code, c.file)
			}
			if f.Line != len(c.stmts) {
				t.Errorf("line: got %d, want %d (the statement's number in the migration)", f.Line, len(c.stmts))
			}
			if !strings.Contains(f.Fix, c.fixHas) {
				t.Errorf("fix: got %q, want it to say %q", f.Fix, c.fixHas)
			}
			if g := has(fs, c.file, "CO306"); g != nil {
				t.Errorf("got CO306 (transaction left open): the COMMIT after the bookkeeping write was not restored")
			}
		})
	}
}

func TestLintSafeMigrationHasNoErrors(t *testing.T) {
	m := Migration{Framework: Rails, File: "db/migrate/1_add_subtitle.rb", Statements: []Statement{
		{SQL: "BEGIN", Tx: 1}, {SQL: `ALTER TABLE "posts" ADD "subtitle" character varying`, Tx: 1}}}
	fs, err := Lint("", []Migration{m}, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if lint.HasErrors(fs) {
		t.Errorf("got %v, want no error finding", summary(fs))
	}
}

func TestLintSyntaxErrorNamesTheMigration(t *testing.T) {
	m := Migration{Framework: Rails, File: "db/migrate/2_odd.rb", Statements: []Statement{{SQL: "ALTER TABLE"}}}
	_, err := Lint("", []Migration{m}, lint.Options{})
	if err == nil || !strings.Contains(err.Error(), "db/migrate/2_odd.rb") {
		t.Errorf("got %v, want an error naming the migration", err)
	}
}
