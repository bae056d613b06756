package lint

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestLintSyntaxError(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"second line", "SELECT 1;\nSELEC 2;", 2, `syntax error at or near "SELEC"`},
		{"after multibyte text", "SELECT 'ééé';\n\nALTER TABLE t ADD COLUMN;", 3, "syntax error"},
		{"cursor counts characters, not bytes", "SELECT 'éééééééééé' + ;\nSELECT 1;\nSELECT 2;", 1, `at or near ";"`},
		{"unterminated string", "SELECT 1;\nSELECT 'x;", 2, "unterminated quoted string"},
		{"NUL byte", "SELECT 1;\nSELECT \x00;", 2, "NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Lint("db/migrate/001.sql", []byte(tt.src), Options{})
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got error %v, want a *SyntaxError", err)
			}
			if se.Line != tt.line || !strings.Contains(se.Message, tt.msg) {
				t.Errorf("got line %d message %q, want line %d message containing %q", se.Line, se.Message, tt.line, tt.msg)
			}
			wantPrefix := "db/migrate/001.sql:" + strconv.Itoa(tt.line) + ": "
			if !strings.HasPrefix(err.Error(), wantPrefix) {
				t.Errorf("got %q, want it to start with %q", err.Error(), wantPrefix)
			}
		})
	}
}

func TestLintOptions(t *testing.T) {
	if _, err := Lint("m.sql", []byte("SELECT 1"), Options{Phase: "during"}); err == nil || !strings.Contains(err.Error(), `"during"`) {
		t.Errorf("got error %v, want one naming the unknown phase", err)
	}
	fs, err := Lint("empty.sql", nil, Options{})
	if err != nil || len(fs) != 0 {
		t.Errorf("got %v, %v for an empty file, want no findings and no error", fs, err)
	}
	fs, err = Lint("comments.sql", []byte("-- nothing here\n"), Options{})
	if err != nil || len(fs) != 0 {
		t.Errorf("got %v, %v for a comment-only file, want no findings and no error", fs, err)
	}
}

func TestLintFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, sql string) string { return writeSQL(t, dir, name, sql) }
	create := write("001_create.sql", "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name varchar(50));")
	widen := write("002_widen.sql", "SET lock_timeout = '1s';\nALTER TABLE users ALTER COLUMN name TYPE varchar(100);")
	shrink := write("003_shrink.sql", "SET lock_timeout = '1s';\nALTER TABLE users ALTER COLUMN name TYPE varchar(20);")
	broken := write("004_broken.sql", "SELECT 1;\nALTER TABLE;")
	drop := write("005_drop.sql", "SET lock_timeout = '1s';\nALTER TABLE users DROP COLUMN name;")

	fs, err := LintFiles([]string{create, widen, shrink, broken, drop, filepath.Join(dir, "missing.sql")}, Options{})
	if err == nil || !strings.Contains(err.Error(), "004_broken.sql:2:") || !strings.Contains(err.Error(), "missing.sql") {
		t.Errorf("got error %v, want it to name 004_broken.sql:2 and missing.sql", err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, filepath.Base(f.File)+":"+f.Code+":"+f.Severity.String())
	}
	want := []string{"003_shrink.sql:CO303:error", "005_drop.sql:CO101:error"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v, want %v", got, want)
	}
	if len(fs) > 0 && !strings.Contains(fs[0].Why, "from varchar(100)") {
		t.Errorf("got why %q, want the type the earlier files declared (varchar(100))", fs[0].Why)
	}
}

// TestLintSourcesAcrossPhases checks that what pre-deploy files declare
// informs the rules on post-deploy files, which run after them.
func TestLintSourcesAcrossPhases(t *testing.T) {
	dir := t.TempDir()
	write := func(name, sql string) string { return writeSQL(t, dir, name, sql) }
	pre := write("001_check.sql", "ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n")
	pre2 := write("002_validate.sql", "ALTER TABLE users VALIDATE CONSTRAINT email_nn;\n")
	post := write("003_not_null.sql", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n")
	fs, err := LintSources([]Source{{pre, PreDeploy}, {pre2, PreDeploy}, {post, PostDeploy}}, Options{InTransaction: true, RunnerSetsLockTimeout: true})
	if err != nil {
		t.Fatalf("LintSources: got error %v, want nil", err)
	}
	for _, f := range fs {
		if f.Code == "CO106" {
			t.Errorf("got %s %s on %s, want none: the pre-deploy files validated a NOT NULL check", f.Severity, f.Code, filepath.Base(f.File))
		}
	}
	if _, err := LintSources([]Source{{post, "later"}}, Options{}); err == nil {
		t.Errorf("got no error for phase %q, want one", "later")
	}
}

// TestLintSourcesPending: with Pending, a table an earlier pending file of the phase creates is new
// to the later ones (its index and rename are nobody's concern); without it, or across the switch
// to the post-deploy phase (the new release reads it by then), it is an existing table.
func TestLintSourcesPending(t *testing.T) {
	dir := t.TempDir()
	write := func(name, sql string) string { return writeSQL(t, dir, name, sql) }
	create := write("006_widgets.sql", "CREATE TABLE widgets (id bigint, name text);\n")
	index := write("007_index.sql", "CREATE INDEX widgets_name ON widgets (name);\nALTER TABLE widgets RENAME COLUMN name TO title;\n")
	codes := func(srcs []Source, opts Options) string {
		fs, err := LintSources(srcs, opts)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fs {
			if f.Severity == Error {
				got = append(got, filepath.Base(f.File)+":"+f.Code)
			}
		}
		return strings.Join(got, " ")
	}
	opts := Options{InTransaction: true, RunnerSetsLockTimeout: true}
	if got := codes([]Source{{create, PreDeploy}, {index, PreDeploy}}, opts); got != "007_index.sql:CO201 007_index.sql:CO103" {
		t.Errorf("every file: got %q, want the index and the rename flagged", got)
	}
	opts.Pending = true
	if got := codes([]Source{{create, PreDeploy}, {index, PreDeploy}}, opts); got != "" {
		t.Errorf("pending: got %q, want nothing", got)
	}
	if got := codes([]Source{{create, PreDeploy}, {index, PostDeploy}}, opts); got == "" {
		t.Error("pending, the second after the switch: got nothing, want the index flagged")
	}
}

// writeSQL writes a migration file into dir and returns its path.
func writeSQL(t *testing.T, dir, name, sql string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(sql), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
