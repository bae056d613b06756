package capture

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/cutover-dev/cutover/internal/migrate/lint"
)

// Lint lints each migration's captured statements with the migrate/lint rules as one pre-deploy
// source, in order, so what one migration creates informs the rules on the next. Findings name the
// migration (its file where known) and their Line is the 1-based number of the statement among the
// migration's captured statements. Where a rule fires on a dropped column or a blocking index, the
// fix says instead how to do it safely in the migration's framework. The error joins the sources that
// could not be linted (a statement PostgreSQL ran but the parser rejects); the others are still linted.
// A post-deploy migration is linted as post-deploy. A finding is silenced by a cutover:ignore comment
// in the migration's file under appDir (see silencedIn).
func Lint(appDir string, migrations []Migration, opts lint.Options) ([]lint.Finding, error) {
	dir, err := os.MkdirTemp("", "cutover-capture-lint-")
	if err != nil {
		return nil, fmt.Errorf("lint the captured statements: %w", err)
	}
	defer os.RemoveAll(dir)
	srcs := make([]lint.Source, 0, len(migrations))
	byPath := map[string]*source{}
	for i, m := range migrations {
		s := newSource(m)
		path := filepath.Join(dir, fmt.Sprintf("%04d.sql", i))
		if err := os.WriteFile(path, []byte(s.sql), 0o600); err != nil {
			return nil, fmt.Errorf("lint the captured statements: %w", err)
		}
		phase := lint.PreDeploy
		if m.PostDeploy {
			phase = lint.PostDeploy
		}
		srcs = append(srcs, lint.Source{Path: path, Phase: phase})
		byPath[path] = s
	}
	opts.Pending = true // what the commands sent is what they would run now, in this order
	findings, lintErr := lint.LintSources(srcs, opts)
	for i := range findings {
		f := &findings[i]
		s := byPath[f.File]
		if s == nil {
			continue
		}
		f.File, f.Line = s.m.Name(), s.statementAt(f.Line)
		if !f.Silenced {
			f.Silenced, f.Reason = silencedIn(appDir, s.m.File, f.Code)
		}
		if !f.Silenced {
			if fix := frameworkFix(s.m.Framework, f.Code, f.Statement); fix != "" {
				f.Fix = fix // the linter's own fix speaks of SQL files and db/post_migrate
			}
		}
	}
	if lintErr != nil {
		msg := lintErr.Error()
		for path, s := range byPath {
			msg = strings.ReplaceAll(msg, path, s.m.Name())
		}
		lintErr = fmt.Errorf("%s", msg)
	}
	return findings, lintErr
}

// source is one migration's statements as SQL for the linter, with where each statement starts.
type source struct {
	m     Migration
	sql   string
	first []int // first[i] is the 1-based line where statement i+1 starts
}

// newSource writes the statements one after another, in the transactions they ran in: a
// transaction whose captured part lacks its BEGIN or COMMIT (the COMMIT comes after the framework's
// bookkeeping write) is closed with them, so the linter sees each statement as it really ran, in a
// transaction or on its own.
func newSource(m Migration) *source {
	s := &source{m: m}
	var b strings.Builder
	line, open := 1, 0 // open: the transaction written as under way
	for _, st := range m.Statements {
		bound := boundary(st.SQL)
		if open != 0 && st.Tx != open {
			b.WriteString("COMMIT;\n")
			line, open = line+1, 0
		}
		if st.Tx != 0 && open == 0 && bound != "begin" {
			b.WriteString("BEGIN;\n")
			line++
		}
		if open = st.Tx; bound == "end" {
			open = 0
		}
		s.first = append(s.first, line)
		text := strings.TrimRight(strings.TrimSpace(st.SQL), ";")
		b.WriteString(text + ";\n")
		line += 1 + strings.Count(text, "\n")
	}
	if open != 0 {
		b.WriteString("COMMIT;\n")
	}
	s.sql = b.String()
	return s
}

// statementAt turns a line of the generated SQL into the statement's number in the migration.
func (s *source) statementAt(line int) int {
	n := 0
	for i, first := range s.first {
		if first <= line {
			n = i + 1
		}
	}
	return n
}

// frameworkFix says how the framework does safely what the finding's statement did, for a dropped
// column (CO101), an index built without CONCURRENTLY (CO201) and a lock taken with no
// lock_timeout (CO213); "" where it has nothing to add.
func frameworkFix(framework, code, stmt string) string {
	table, column := droppedColumn(stmt)
	switch framework + " " + code {
	case Rails + " CO101":
		return fmt.Sprintf("in Rails: make the model of %s ignore it, `self.ignored_columns += [%q]`, and drop the column "+
			"in a post-deployment migration (db/post_migrate, skipped by the release: command with "+
			"SKIP_POST_DEPLOYMENT_MIGRATIONS=true and run by the postdeploy: command once the old release has stopped); "+
			"both can ship in this release", table, column)
	case Rails + " CO201":
		return "in Rails: `add_index ..., algorithm: :concurrently` in a migration with `disable_ddl_transaction!`"
	case Django + " CO101":
		return fmt.Sprintf("in Django: remove the field %q with `migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField(...)])` "+
			"(no database operation) in this release, and drop the column in a later release's migration", column)
	case Django + " CO201":
		return "in Django: `AddIndexConcurrently` (django.contrib.postgres.operations) in a migration with `atomic = False`"
	case Alembic + " CO101":
		return fmt.Sprintf("in Alembic: stop reading %s.%s in this release and `op.drop_column` it in a later revision, "+
			"deployed once no release reads it", table, column)
	case Rails + " CO213":
		return "in Rails: set it for every migration in config/database.yml, `variables: { lock_timeout: \"5s\" }`, " +
			"or at the top of this one, `execute \"SET lock_timeout = '5s'\"`"
	case Django + " CO213":
		return "in Django: set it for the connection, DATABASES[...][\"OPTIONS\"] = {\"options\": \"-c lock_timeout=5s\"}, " +
			"or first in this migration, `migrations.RunSQL(\"SET lock_timeout = '5s'\")`"
	case Alembic + " CO213":
		return "in Alembic: in env.py run `connection.execute(text(\"SET lock_timeout = '5s'\"))` before the migrations, " +
			"or `op.execute(\"SET lock_timeout = '5s'\")` first in this revision"
	case Alembic + " CO201":
		return "in Alembic: `op.create_index(..., postgresql_concurrently=True)` inside `with op.get_context().autocommit_block():`"
	}
	return ""
}

// droppedColumn returns the table and column an ALTER TABLE ... DROP COLUMN names, or placeholders.
func droppedColumn(stmt string) (table, column string) {
	table, column = "the table", "the column"
	tree, err := pg.Parse(stmt)
	if err != nil || len(tree.Stmts) == 0 {
		return table, column
	}
	at := tree.Stmts[0].Stmt.GetAlterTableStmt()
	if at == nil {
		return table, column
	}
	for _, c := range at.GetCmds() {
		if cmd := c.GetAlterTableCmd(); cmd.GetSubtype() == pg.AlterTableType_AT_DropColumn {
			return at.GetRelation().GetRelname(), cmd.GetName()
		}
	}
	return table, column
}
