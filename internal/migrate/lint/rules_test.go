package lint

import (
	"fmt"
	"strings"
	"testing"
)

// ruleCase is one row of a rule's table test: a migration and the findings
// of that rule's code it must produce, in order (none for a non-firing case).
type ruleCase struct {
	name string
	sql  string
	opts Options
	want []want
}

// want is one expected finding.
type want struct {
	line     int
	severity string   // "" means the rule's usual severity
	why      []string // substrings the Why must contain, such as the table name and lock level
	silenced bool
}

// casesByCode collects every rule's table so TestEveryRuleHasCases can check
// that none was forgotten.
var casesByCode = map[string][]ruleCase{}

// register records a rule's cases and returns them.
func register(code string, cases []ruleCase) []ruleCase {
	casesByCode[code] = append(casesByCode[code], cases...)
	return cases
}

// runCases lints each case and compares the findings of code.
func runCases(t *testing.T, code string, cases []ruleCase) {
	t.Helper()
	var info RuleInfo
	for _, r := range Rules() {
		if r.Code == code {
			info = r
		}
	}
	if info.Code == "" {
		t.Fatalf("Rules() has no %s", code)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			all, err := Lint("m.sql", []byte(tc.sql), tc.opts)
			if err != nil {
				t.Fatalf("Lint: got error %v, want nil", err)
			}
			var got []Finding
			for _, f := range all {
				if f.Code == code {
					got = append(got, f)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d %s findings, want %d; all findings:\n%s", len(got), code, len(tc.want), dump(all))
			}
			for i, w := range tc.want {
				checkFinding(t, got[i], w, info)
			}
		})
	}
}

// checkFinding compares one finding with what a case wants.
func checkFinding(t *testing.T, f Finding, w want, info RuleInfo) {
	t.Helper()
	if f.Line != w.line {
		t.Errorf("%s: got line %d, want %d", f.Code, f.Line, w.line)
	}
	sev := info.Severity.String()
	if w.severity != "" {
		sev = w.severity
	}
	if f.Severity.String() != sev {
		t.Errorf("%s: got severity %s, want %s", f.Code, f.Severity, sev)
	}
	for _, s := range w.why {
		if !strings.Contains(f.Why, s) {
			t.Errorf("%s: got why %q, want it to contain %q", f.Code, f.Why, s)
		}
	}
	if f.Silenced != w.silenced {
		t.Errorf("%s: got silenced %v, want %v", f.Code, f.Silenced, w.silenced)
	}
	if f.File != "m.sql" || f.Statement == "" || f.Fix == "" || strings.Contains(f.Why, "\n") {
		t.Errorf("%s: got file %q, statement %q, fix %q, why %q; want m.sql, a statement, a fix and a one-line why", f.Code, f.File, f.Statement, f.Fix, f.Why)
	}
}

// dump renders findings for a failure message.
func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s:%d: %s %s %s (silenced %v)\n", f.File, f.Line, f.Severity, f.Code, f.Why, f.Silenced)
	}
	return b.String()
}

func TestEveryRuleHasCases(t *testing.T) {
	for _, r := range Rules() {
		t.Run(r.Code, func(t *testing.T) {
			var firing, quiet bool
			for _, c := range casesByCode[r.Code] {
				firing = firing || len(c.want) > 0
				quiet = quiet || len(c.want) == 0
			}
			if !firing || !quiet {
				t.Errorf("got firing case %v and non-firing case %v, want both in %s's table test", firing, quiet, r.Code)
			}
		})
	}
}

func TestRulesAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for _, r := range Rules() {
		if seen[r.Code] {
			t.Errorf("got code %s twice, want each once", r.Code)
		}
		seen[r.Code] = true
		if r.Code <= prev {
			t.Errorf("got %s after %s, want codes in order", r.Code, prev)
		}
		prev = r.Code
		if !looksLikeCode(r.Code) || !strings.HasPrefix(r.Code, "CO") {
			t.Errorf("got code %q, want COnnn", r.Code)
		}
		if r.Summary == "" || strings.Contains(r.Summary, "\n") {
			t.Errorf("%s: got summary %q, want one non-empty line", r.Code, r.Summary)
		}
	}
}
