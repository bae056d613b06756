package lint

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// ignorePrefix starts a silencing comment:
//
//	-- cutover:ignore CO201 reason: the table is empty at this point
//
// It silences the named codes on the statement directly below it (comments
// in between are fine, a blank line is not), on the statement it sits in, or
// on the statement that ends on its line.
const ignorePrefix = "cutover:ignore"

var noReasonInfo = RuleInfo{
	Code:     "CO001",
	Severity: Error,
	Summary:  "a cutover:ignore comment gives no reason",
}

var uselessIgnoreInfo = RuleInfo{
	Code:     "CO002",
	Severity: Warning,
	Summary:  "a cutover:ignore comment silences nothing: unknown code, no such finding, or not directly above a statement",
}

// looksLikeCode reports whether a word has the shape of a rule code: two
// letters and three digits, such as CO201.
func looksLikeCode(w string) bool {
	if len(w) != 5 {
		return false
	}
	for i, r := range w {
		if i < 2 && !unicode.IsLetter(r) || i >= 2 && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// directive is one parsed cutover:ignore comment.
type directive struct {
	comment
	codes  []string
	reason string
	stmt   *Statement // nil when it is not attached to a statement
}

// parseDirective parses a comment, reporting false if it is no directive.
func parseDirective(c comment) (*directive, bool) {
	body := c.text
	if strings.HasPrefix(body, "/*") {
		body = strings.TrimSuffix(body[2:], "*/")
	} else {
		body = strings.TrimPrefix(body, "--")
	}
	body = strings.TrimSpace(body)
	rest, ok := strings.CutPrefix(body, ignorePrefix)
	if !ok || (rest != "" && !unicode.IsSpace(rune(rest[0]))) {
		return nil, false
	}
	d := &directive{comment: c}
	words := strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	for len(words) > 0 && looksLikeCode(words[0]) {
		d.codes = append(d.codes, strings.ToUpper(words[0]))
		words = words[1:]
	}
	if i := indexFold(rest, "reason:"); i >= 0 {
		d.reason = strings.TrimSpace(rest[i+len("reason:"):])
	}
	return d, true
}

// indexFold is the byte offset of the first match of the ASCII word in s, ignoring case, or -1.
// (Lowering s first would move offsets where s is not valid UTF-8.)
func indexFold(s, word string) int {
	for i := 0; i+len(word) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(word)], word) {
			return i
		}
	}
	return -1
}

// directives parses f's silencing comments and attaches each to its
// statement.
func (f *File) directives() []*directive {
	var out []*directive
	owners := f.commentOwners()
	for i, c := range f.comments {
		if d, ok := parseDirective(c); ok {
			if owners[i] >= 0 {
				d.stmt = f.Statements[owners[i]]
			}
			out = append(out, d)
		}
	}
	return out
}

// commentOwners returns, for each comment, the index of the statement it
// belongs to, or -1.
func (f *File) commentOwners() []int {
	sts := f.Statements
	owners := make([]int, len(f.comments))
	for i, c := range f.comments {
		j := sort.Search(len(sts), func(k int) bool { return sts[k].end > c.start })
		switch {
		case j < len(sts) && sts[j].Offset <= c.start:
			owners[i] = j // inside the statement
		case j > 0 && f.lineAt(sts[j-1].end-1) == c.line:
			owners[i] = j - 1 // trailing the statement that ends on its line
		case j < len(sts):
			owners[i] = j // above it; checked for blank lines below
		default:
			owners[i] = -1
		}
	}
	// A comment above a statement owns it only through an unbroken run of
	// lines, so walk upwards from each statement.
	for i := len(f.comments) - 1; i >= 0; i-- {
		j := owners[i]
		if j < 0 || f.comments[i].start >= sts[j].Offset {
			continue
		}
		next := sts[j].Line
		if i+1 < len(f.comments) && owners[i+1] == j && f.comments[i+1].start < sts[j].Offset {
			next = f.comments[i+1].line
		} else if i+1 < len(f.comments) && f.comments[i+1].start < sts[j].Offset {
			next = -1 // the comment below broke the run
		}
		if next < 0 || f.comments[i].endLine+1 < next {
			owners[i] = -1
		}
	}
	return owners
}

// silence marks the findings a directive silences and adds the findings
// about the directives themselves.
func (f *File) silence(fs []Finding) []Finding {
	var meta []Finding
	byStmt := map[int][]*directive{}
	for _, d := range f.directives() {
		switch {
		case d.reason == "":
			meta = append(meta, f.directiveFinding(noReasonInfo, d,
				"cutover:ignore without a reason silences nothing",
				"say why the finding is safe here: -- cutover:ignore CO201 reason: the table is empty at this point"))
		case d.stmt == nil:
			meta = append(meta, f.directiveFinding(uselessIgnoreInfo, d,
				"cutover:ignore is not directly above a statement, so it silences nothing",
				"put it on the line(s) directly above the statement, with no blank line between"))
		case len(d.codes) == 0:
			meta = append(meta, f.directiveFinding(uselessIgnoreInfo, d,
				"cutover:ignore names no code, so it silences nothing",
				"name the codes to silence: -- cutover:ignore CO201 reason: ..."))
		default:
			byStmt[d.stmt.index+1] = append(byStmt[d.stmt.index+1], d)
		}
	}
	used := map[*directive]map[string]bool{}
	for i := range fs {
		for _, d := range byStmt[fs[i].stmt] {
			for _, code := range d.codes {
				if code == fs[i].Code {
					fs[i].Silenced, fs[i].Reason = true, d.reason
					if used[d] == nil {
						used[d] = map[string]bool{}
					}
					used[d][code] = true
				}
			}
		}
	}
	for i := range f.Statements {
		for _, d := range byStmt[i+1] {
			meta = append(meta, f.unusedCodes(d, used[d])...)
		}
	}
	return append(fs, meta...)
}

// unusedCodes reports the codes of d that silenced nothing.
func (f *File) unusedCodes(d *directive, used map[string]bool) []Finding {
	var out []Finding
	for _, code := range d.codes {
		switch {
		case used[code]:
		case !known(code):
			out = append(out, f.directiveFinding(uselessIgnoreInfo, d,
				fmt.Sprintf("cutover:ignore names %s, which is no cutover rule", code),
				"use a code from `cutover migrate lint --help`, or remove the comment"))
		default:
			out = append(out, f.directiveFinding(uselessIgnoreInfo, d,
				fmt.Sprintf("cutover:ignore %s silences nothing: the statement on line %d has no %s finding", code, d.stmt.Line, code),
				"remove the stale comment, or move it above the statement it is meant for"))
		}
	}
	return out
}

// directiveFinding returns a finding about a silencing comment itself.
func (f *File) directiveFinding(info RuleInfo, d *directive, why, fix string) Finding {
	return Finding{
		Code:      info.Code,
		Severity:  info.Severity,
		File:      f.Name,
		Line:      d.line,
		Statement: strings.TrimSpace(d.text),
		Why:       why,
		Fix:       fix,
	}
}
