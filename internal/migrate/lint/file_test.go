package lint

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
)

func TestLintLinesAndText(t *testing.T) {
	src := "-- header\n/* block\n   comment */\nSELECT 'é';   CREATE INDEX a\n  ON t (x) -- trailing\n;\n\n\tDROP INDEX b"
	f, err := parse("m.sql", []byte(src), Options{Phase: PreDeploy, TargetVersion: 15})
	if err != nil {
		t.Fatalf("parse: got error %v, want nil", err)
	}
	want := []struct {
		line int
		text string
	}{
		{4, "SELECT 'é'"},
		{4, "CREATE INDEX a\n  ON t (x)"},
		{8, "DROP INDEX b"},
	}
	if len(f.Statements) != len(want) {
		t.Fatalf("got %d statements, want %d", len(f.Statements), len(want))
	}
	for i, w := range want {
		st := f.Statements[i]
		if st.Line != w.line || st.Text != w.text {
			t.Errorf("statement %d: got line %d text %q, want line %d text %q", i, st.Line, st.Text, w.line, w.text)
		}
		if !strings.HasPrefix(src[st.Offset:], w.text[:5]) {
			t.Errorf("statement %d: got offset %d pointing at %q, want the statement start", i, st.Offset, src[st.Offset:])
		}
	}
}

// splitSources are files whose statements and comments TestSplitPlain
// splits both ways.
var splitSources = []string{
	"SELECT 1", "  SELECT 1;\n\n\tSELECT 'a;b' ;  \n", "CREATE TABLE t (a int);\r\nALTER TABLE t ADD b text\n",
	"SELECT $$x -- y$$;;SELECT 2;", "-- only a comment\n", "SELECT 1; -- after\n/* a /* nested */ one */ SELECT 2 /* inside */ + 1 -- end",
	"SELECT '--not', \"/*not*/\", 'it''s -- still' -- yes\n;", "SELECT E'\\'--'; -- escaped",
	"SELECT 1 --a\r\n; SELECT 2;\n-- cutover:ignore CO201 reason: x\nCREATE INDEX i ON t (a);",
	"SELECT 1+--x\n2", "SELECT 1/*x*/;/*y*/SELECT 2/*z*/", "SELECT U&'d!0061t' UESCAPE '!' -- u",
}

// TestSplitPlain checks that findComments and splitPlain cut files as the
// scanner does, and give up where they cannot.
func TestSplitPlain(t *testing.T) {
	srcs := slices.Clone(splitSources)
	for _, cases := range casesByCode {
		for _, c := range cases {
			srcs = append(srcs, c.sql)
		}
	}
	for _, src := range benchFiles(len(benchStatements), 4) {
		srcs = append(srcs, string(src))
	}
	followed := 0
	for _, src := range srcs {
		tree, err := pg.Parse(src)
		if err != nil {
			t.Fatalf("parse %q: %v", src, err)
		}
		scan, err := pg.Scan(src)
		if err != nil {
			t.Fatalf("scan %q: %v", src, err)
		}
		want := &File{lineStarts: lineStarts([]byte(src))}
		want.split(src, tree.Stmts, scan.Tokens)
		cs, ok := findComments(src)
		if !ok {
			if !strings.ContainsAny(src, "$\\") {
				t.Errorf("%q: findComments gave up, want it to follow a file without $ or backslash", src)
			}
			continue
		}
		followed++
		got := &File{lineStarts: lineStarts([]byte(src))}
		got.splitPlain(src, tree.Stmts, cs)
		if !reflect.DeepEqual(got.comments, want.comments) {
			t.Errorf("%q: got comments %+v, want %+v", src, got.comments, want.comments)
		}
		if len(got.Statements) != len(want.Statements) {
			t.Fatalf("%q: got %d statements, want %d", src, len(got.Statements), len(want.Statements))
		}
		for i, w := range want.Statements {
			g := got.Statements[i]
			if g.Text != w.Text || g.Offset != w.Offset || g.Line != w.Line || g.end != w.end {
				t.Errorf("%q statement %d: got %q at %d..%d line %d, want %q at %d..%d line %d",
					src, i, g.Text, g.Offset, g.end, g.Line, w.Text, w.Offset, w.end, w.Line)
			}
		}
	}
	if followed < len(srcs)/2 {
		t.Errorf("findComments followed %d of %d files, want most", followed, len(srcs))
	}
}

// FuzzSplitPlain checks findComments against PostgreSQL's scanner on
// arbitrary input: wherever it does not give up, it must cut the same.
func FuzzSplitPlain(f *testing.F) {
	for _, s := range splitSources {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if strings.IndexByte(src, 0) >= 0 {
			return
		}
		cs, ok := findComments(src)
		tree, err := pg.Parse(src)
		if !ok || err != nil {
			return
		}
		scan, err := pg.Scan(src)
		if err != nil {
			return
		}
		want := &File{lineStarts: lineStarts([]byte(src))}
		want.split(src, tree.Stmts, scan.Tokens)
		got := &File{lineStarts: lineStarts([]byte(src))}
		got.splitPlain(src, tree.Stmts, cs)
		if !reflect.DeepEqual(got.comments, want.comments) {
			t.Fatalf("%q: got comments %+v, want %+v", src, got.comments, want.comments)
		}
		if len(got.Statements) != len(want.Statements) {
			t.Fatalf("%q: got %d statements, want %d", src, len(got.Statements), len(want.Statements))
		}
		for i, w := range want.Statements {
			if g := got.Statements[i]; g.Text != w.Text || g.Offset != w.Offset || g.end != w.end {
				t.Fatalf("%q statement %d: got %q at %d..%d, want %q at %d..%d", src, i, g.Text, g.Offset, g.end, w.Text, w.Offset, w.end)
			}
		}
	})
}
