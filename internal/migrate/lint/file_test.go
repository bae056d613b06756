package lint

import (
	"strings"
	"testing"
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
