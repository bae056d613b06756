package capture

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// Frameworks whose bookkeeping the capture recognizes.
const (
	Rails   = "rails"
	Django  = "django"
	Alembic = "alembic"
)

// Migration is the statements one framework migration sent, or, with Framework empty, the release
// command's statements that no migration claimed.
type Migration struct {
	// Framework is Rails, Django, Alembic, or empty for the release command's own statements.
	Framework string `json:"framework,omitempty"`
	// Version identifies the migration in the framework's bookkeeping: a Rails version, Django's
	// "app.name", an Alembic revision.
	Version string `json:"version,omitempty"`
	// File is the migration's file relative to the app, or empty when none was found.
	File string `json:"file,omitempty"`
	// Statements are the statements it sent, in order, without the bookkeeping write itself.
	Statements []Statement `json:"statements"`
	// PostDeploy is set for the post-deploy command's migrations (Options.Then): they run once the
	// old release has stopped, so they are linted as contract migrations.
	PostDeploy bool `json:"post_deploy,omitempty"`
}

// Name is how findings name the migration: its file, else what the bookkeeping said.
func (m Migration) Name() string {
	switch {
	case m.File != "":
		return m.File
	case m.Framework != "":
		return m.Framework + " migration " + m.Version
	}
	return "release command"
}

// Attribute groups the release command's statements by migration, in the order the migrations
// recorded themselves. Within a transaction, the statements before a bookkeeping write, since
// BEGIN or the previous write, belong to that write's migration. A write that has none of its own
// (outside a transaction, or alone in one: Rails records a migration with disable_ddl_transaction!
// in a transaction of its own, Django one with deferred SQL after its COMMIT) claims the statements
// run on their own in that session since the previous write or transaction, or, when those only
// read, everything since the previous write. An Alembic revision, and a Django migration recorded
// outside a transaction, claim everything the session sent since the previous write, transactions
// and all. What no migration claims is returned last, as one Migration with Framework empty (if
// any).
func Attribute(appDir string, stmts []Statement) []Migration {
	// done holds a session's statements since the previous write that are not in the transaction
	// under way: loose statements and closed transactions; tx the transaction under way, since
	// BEGIN or the previous write.
	type session struct{ done, tx []Statement }
	sessions := map[string]*session{}
	var order []*session
	var out []Migration
	var rest Migration
	for _, st := range stmts {
		s := sessions[st.Session]
		if s == nil {
			s = &session{}
			sessions[st.Session] = s
			order = append(order, s)
		}
		if fw, version, ok := marker(st); ok {
			m := Migration{Framework: fw, Version: version, File: migrationFile(appDir, fw, version)}
			switch {
			case fw == Alembic, fw == Django && st.Tx == 0:
				// Alembic writes a revision's version after all its steps, and an
				// autocommit_block (CREATE INDEX CONCURRENTLY) commits the transaction under way
				// in the middle of them; Django records a migration with atomic = False after
				// its operations, each run on its own or in a transaction of its own
				// (RunPython(atomic=True)). Either way the migration's statements are all the
				// session sent since the previous write. Before the first, that includes the
				// framework's own look at its table (reads; its CREATE TABLE on a first run).
				m.Statements = append(s.done, s.tx...)
			case st.Tx != 0 && ownStatements(s.tx):
				m.Statements = s.tx
				rest.Statements = append(rest.Statements, s.done...)
			default:
				earlier, claimed := lastRun(s.done)
				rest.Statements = append(rest.Statements, earlier...)
				m.Statements = append(claimed, s.tx...)
			}
			s.done, s.tx = nil, nil
			out = append(out, m)
			continue
		}
		switch {
		case st.Tx == 0:
			s.done = append(s.done, st)
		case boundary(st.SQL) == "begin":
			s.tx = []Statement{st}
		case boundary(st.SQL) == "end" && len(s.tx) == 0:
			rest.Statements = append(rest.Statements, st) // its statements went with a write
		case boundary(st.SQL) == "end":
			s.done = append(append(s.done, s.tx...), st)
			s.tx = nil
		default:
			s.tx = append(s.tx, st)
		}
	}
	for _, s := range order {
		rest.Statements = append(rest.Statements, s.done...)
		rest.Statements = append(rest.Statements, s.tx...)
	}
	if len(rest.Statements) > 0 {
		out = append(out, rest)
	}
	return out
}

// ownStatements reports whether a transaction's part before a bookkeeping write holds anything
// but its BEGIN.
func ownStatements(tx []Statement) bool {
	return len(tx) > 1 || (len(tx) == 1 && boundary(tx[0].SQL) != "begin")
}

// lastRun splits what a session ran since the previous write into what a write with no statements
// of its own does not claim, and what it does: the loose statements after the last transaction
// when they change something, or else all of it (the transactions, and the reads after them:
// Django looks its table up between a migration's COMMIT and its write).
func lastRun(done []Statement) (earlier, claimed []Statement) {
	i := len(done)
	changes := false
	for i > 0 && done[i-1].Tx == 0 {
		i--
		changes = changes || !reads(done[i])
	}
	if !changes {
		return nil, done
	}
	return done[:i], done[i:]
}

// reads reports whether a statement only reads or sets the session: SELECT (without INTO), SHOW,
// SET.
func reads(st Statement) bool {
	tree, err := pg.Parse(st.SQL)
	if err != nil {
		return false
	}
	for _, raw := range tree.Stmts {
		n := raw.Stmt
		if sel := n.GetSelectStmt(); sel != nil && sel.GetIntoClause() == nil {
			continue
		}
		if n.GetVariableShowStmt() != nil || n.GetVariableSetStmt() != nil {
			continue
		}
		return false
	}
	return true
}

// marker recognizes a framework's write to its bookkeeping table and returns the migration it
// records: INSERT INTO schema_migrations (version), INSERT INTO django_migrations (app, name, ...),
// INSERT INTO alembic_version (version_num) or UPDATE alembic_version SET version_num = ....
// Alembic's table may have another name (context.configure(version_table=...)): an INSERT of
// version_num alone, or an UPDATE that sets version_num alone, into any table is taken for
// Alembic's, as its statements are the same whatever the name.
func marker(st Statement) (framework, version string, ok bool) {
	tree, err := pg.Parse(st.SQL)
	if err != nil || len(tree.Stmts) != 1 {
		return "", "", false
	}
	node := tree.Stmts[0].Stmt
	if ins := node.GetInsertStmt(); ins != nil {
		cols := map[string]string{}
		values := ins.GetSelectStmt().GetSelectStmt().GetValuesLists()
		if len(values) != 1 {
			return "", "", false
		}
		items := values[0].GetList().GetItems()
		for i, c := range ins.GetCols() {
			if i < len(items) {
				cols[c.GetResTarget().GetName()] = literal(items[i], st.Params)
			}
		}
		switch ins.GetRelation().GetRelname() {
		case "schema_migrations":
			return Rails, cols["version"], cols["version"] != ""
		case "django_migrations":
			return Django, cols["app"] + "." + cols["name"], cols["app"] != "" && cols["name"] != ""
		case "alembic_version":
			return Alembic, cols["version_num"], cols["version_num"] != ""
		}
		if len(cols) == 1 && cols["version_num"] != "" {
			return Alembic, cols["version_num"], true // a version table of another name (see alembicTables)
		}
	}
	if up := node.GetUpdateStmt(); up != nil {
		targets := up.GetTargetList()
		if up.GetRelation().GetRelname() != "alembic_version" && len(targets) != 1 {
			return "", "", false
		}
		for _, t := range targets {
			if rt := t.GetResTarget(); rt.GetName() == "version_num" {
				v := literal(rt.GetVal(), st.Params)
				return Alembic, v, v != ""
			}
		}
	}
	return "", "", false
}

// literal returns a string constant or bound parameter's value, unquoted; "" for anything else.
func literal(n *pg.Node, params []string) string {
	if tc := n.GetTypeCast(); tc != nil {
		n = tc.GetArg()
	}
	if c := n.GetAConst(); c != nil {
		if s := c.GetSval(); s != nil {
			return s.GetSval()
		}
		if i := c.GetIval(); i != nil {
			return strconv.Itoa(int(i.GetIval()))
		}
	}
	if p := n.GetParamRef(); p != nil {
		if i := int(p.GetNumber()) - 1; i >= 0 && i < len(params) && params[i] != "NULL" {
			return strings.ReplaceAll(strings.Trim(params[i], "'"), "''", "'")
		}
	}
	return ""
}

// migrationFile finds the file of a migration under appDir, relative to it, or "".
func migrationFile(appDir, framework, version string) string {
	switch framework {
	case Rails:
		// db/post_migrate holds post-deployment migrations, which a release command that does not
		// skip them (GitLab's SKIP_POST_DEPLOYMENT_MIGRATIONS) runs with the others.
		for _, dir := range []string{"migrate", "post_migrate"} {
			m, _ := filepath.Glob(filepath.Join(appDir, "db", dir, version+"_*.rb"))
			if len(m) > 0 {
				return rel(appDir, m[0])
			}
		}
	case Django:
		app, name, _ := strings.Cut(version, ".")
		return findFile(appDir, func(path string) bool {
			return filepath.Base(path) == name+".py" && filepath.Base(filepath.Dir(path)) == "migrations" &&
				filepath.Base(filepath.Dir(filepath.Dir(path))) == app
		})
	case Alembic:
		re := regexp.MustCompile(`(?m)^revision\s*(?::[^=\n]*)?=\s*['"]` + regexp.QuoteMeta(version) + `['"]`)
		return findFile(appDir, func(path string) bool {
			if filepath.Ext(path) != ".py" || filepath.Base(filepath.Dir(path)) != "versions" {
				return false
			}
			src, err := os.ReadFile(path)
			return err == nil && re.Match(src)
		})
	}
	return ""
}

// findFile walks appDir, skipping hidden folders, virtualenvs and node_modules, for the first file
// that match accepts.
func findFile(appDir string, match func(path string) bool) string {
	var found string
	filepath.WalkDir(appDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			name := d.Name()
			if path != appDir && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "venv" ||
				name == "__pycache__" || name == "site-packages") {
				return filepath.SkipDir
			}
			return nil
		}
		if match(path) {
			found = path
			return filepath.SkipAll
		}
		return nil
	})
	if found == "" {
		return ""
	}
	return rel(appDir, found)
}

func rel(base, path string) string {
	r, err := filepath.Rel(base, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}
