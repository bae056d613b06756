package lint

import (
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

// TestSplitPlain checks that a file without comments splits the same with and
// without the scanner's tokens.
func TestSplitPlain(t *testing.T) {
	srcs := []string{"SELECT 1", "  SELECT 1;\n\n\tSELECT 'a;b' ;  \n", "CREATE TABLE t (a int);\r\nALTER TABLE t ADD b text\n", "SELECT $$x -- y$$;;SELECT 2;"}
	for _, cases := range casesByCode {
		for _, c := range cases {
			srcs = append(srcs, c.sql)
		}
	}
	for _, src := range srcs {
		tree, err := pg.Parse(src)
		if err != nil {
			t.Fatalf("parse %q: %v", src, err)
		}
		scan, err := pg.Scan(src)
		if err != nil {
			t.Fatalf("scan %q: %v", src, err)
		}
		withTokens := &File{lineStarts: lineStarts([]byte(src))}
		withTokens.split(src, tree.Stmts, scan.Tokens)
		if len(withTokens.comments) > 0 {
			continue
		}
		plain := &File{lineStarts: lineStarts([]byte(src))}
		plain.split(src, tree.Stmts, nil)
		if len(plain.Statements) != len(withTokens.Statements) {
			t.Fatalf("%q: got %d statements without tokens, want %d", src, len(plain.Statements), len(withTokens.Statements))
		}
		for i, want := range withTokens.Statements {
			got := plain.Statements[i]
			if got.Text != want.Text || got.Offset != want.Offset || got.Line != want.Line || got.end != want.end {
				t.Errorf("%q statement %d: got %q at %d..%d line %d, want %q at %d..%d line %d",
					src, i, got.Text, got.Offset, got.end, got.Line, want.Text, want.Offset, want.end, want.Line)
			}
		}
	}
}
