package lint

import "testing"

var noReasonCases = register("CO001", []ruleCase{
	{name: "no reason", sql: "-- cutover:ignore CO201\nCREATE INDEX i ON users (a);",
		want: []want{{line: 1, why: []string{"without a reason"}}}},
	{name: "empty reason in a block comment", sql: "/* cutover:ignore CO201 reason: */\nCREATE INDEX i ON users (a);",
		want: []want{{line: 1}}},
	{name: "with a reason", sql: "-- cutover:ignore CO201 reason: empty table\nCREATE INDEX i ON users (a);"},
	{name: "other comments", sql: "-- cutover is great\n-- cutover:ignored\nSELECT 1;"},
})

var uselessIgnoreCases = register("CO002", []ruleCase{
	{name: "unknown code", sql: "-- cutover:ignore CO999 reason: typo\nCREATE INDEX i ON users (a);",
		want: []want{{line: 1, why: []string{"CO999"}}}},
	{name: "no such finding", sql: "-- cutover:ignore CO101 reason: stale\nSELECT 1;",
		want: []want{{line: 1, why: []string{"CO101", "line 2"}}}},
	{name: "not above a statement", sql: "SELECT 1;\n\n-- cutover:ignore CO201 reason: x\n",
		want: []want{{line: 3, why: []string{"not directly above"}}}},
	{name: "no code", sql: "-- cutover:ignore reason: everything\nSELECT 1;",
		want: []want{{line: 1, why: []string{"names no code"}}}},
	{name: "two codes both used", sql: "-- cutover:ignore CO201, CO213 reason: empty table\nCREATE INDEX i ON users (a);"},
})

func TestNoReason(t *testing.T)      { runCases(t, "CO001", noReasonCases) }
func TestUselessIgnore(t *testing.T) { runCases(t, "CO002", uselessIgnoreCases) }

func TestSilenceAttachment(t *testing.T) {
	tests := []struct {
		name       string
		sql        string
		silenced   []int // lines of silenced CO201 findings
		unsilenced []int
	}{
		{"directly above", "-- cutover:ignore CO201 reason: r\nCREATE INDEX a ON t (x);", []int{2}, nil},
		{"above, through other comments", "-- cutover:ignore CO201 reason: r\n/* about\n the index */\n-- more\nCREATE INDEX a ON t (x);", []int{5}, nil},
		{"trailing on the same line", "CREATE INDEX a ON t (x); -- cutover:ignore CO201 reason: r\nCREATE INDEX b ON t (y);", []int{1}, []int{2}},
		{"inside the statement", "CREATE INDEX a\n  -- cutover:ignore CO201 reason: r\n  ON t (x);", []int{1}, nil},
		{"only the next statement", "-- cutover:ignore CO201 reason: r\nCREATE INDEX a ON t (x);\nCREATE INDEX b ON t (y);", []int{2}, []int{3}},
		{"blank line", "-- cutover:ignore CO201 reason: r\n\nCREATE INDEX a ON t (x);", nil, []int{3}},
		{"blank line inside the comment run", "-- cutover:ignore CO201 reason: r\n\n-- note\nCREATE INDEX a ON t (x);", nil, []int{4}},
		{"two statements on one line", "CREATE INDEX a ON t (x);\n-- cutover:ignore CO201 reason: r\nCREATE INDEX b ON t (y); CREATE INDEX c ON t (z);", []int{3}, []int{1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := Lint("m.sql", []byte(tt.sql), Options{})
			if err != nil {
				t.Fatalf("Lint: got error %v, want nil", err)
			}
			var silenced, unsilenced []int
			for _, f := range fs {
				switch {
				case f.Code != "CO201":
				case f.Silenced:
					silenced = append(silenced, f.Line)
				default:
					unsilenced = append(unsilenced, f.Line)
				}
			}
			if !equalInts(silenced, tt.silenced) || !equalInts(unsilenced, tt.unsilenced) {
				t.Errorf("got silenced %v and unsilenced %v, want %v and %v\n%s", silenced, unsilenced, tt.silenced, tt.unsilenced, dump(fs))
			}
		})
	}
}

func TestSilencedErrorsDoNotCount(t *testing.T) {
	fs, err := Lint("m.sql", []byte("SET lock_timeout = '1s';\n-- cutover:ignore CO101 reason: column unused since v3\nALTER TABLE users DROP COLUMN legacy;"), Options{})
	if err != nil {
		t.Fatalf("Lint: got error %v, want nil", err)
	}
	if len(fs) != 1 || !fs[0].Silenced || fs[0].Reason != "column unused since v3" {
		t.Fatalf("got %+v, want one silenced CO101 with its reason", fs)
	}
	if HasErrors(fs) {
		t.Errorf("got HasErrors true, want false for a silenced error")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
