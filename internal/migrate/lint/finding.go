package lint

import (
	"fmt"
	"sort"
)

// Severity says how much a finding matters. Only unsilenced errors fail a lint
// run or stop a deploy; warnings and infos are advice.
type Severity int

const (
	// Info marks a finding worth knowing that needs no change.
	Info Severity = iota
	// Warning marks a risk the author should weigh.
	Warning
	// Error marks a statement that breaks the serving release or stalls its
	// traffic; it fails the lint run unless silenced.
	Error
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// MarshalText encodes the severity as its name, so JSON carries "error"
// rather than a number.
func (s Severity) MarshalText() ([]byte, error) {
	switch s {
	case Info, Warning, Error:
		return []byte(s.String()), nil
	}
	return nil, fmt.Errorf("marshal severity: unknown value %d", int(s))
}

// UnmarshalText decodes a severity name written by MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "info":
		*s = Info
	case "warning":
		*s = Warning
	case "error":
		*s = Error
	default:
		return fmt.Errorf("unknown severity %q: want info, warning or error", b)
	}
	return nil
}

// Finding is one problem the linter found in one statement of a migration.
type Finding struct {
	// Code is the rule's stable code, such as "CO101".
	Code string `json:"code"`
	// Severity is how much the finding matters.
	Severity Severity `json:"severity"`
	// File is the migration's name as given to Lint or LintFiles.
	File string `json:"file"`
	// Line is the 1-based line where the statement starts in File.
	Line int `json:"line"`
	// Statement is the statement's SQL text, trimmed.
	Statement string `json:"statement"`
	// Why says in one line what breaks or which lock is taken, naming the
	// table or column.
	Why string `json:"why"`
	// Fix says what to do instead.
	Fix string `json:"fix"`
	// Silenced reports whether a cutover:ignore comment silenced the finding.
	Silenced bool `json:"silenced"`
	// Reason is the reason the silencing comment gave, if any.
	Reason string `json:"reason,omitempty"`

	stmt int // 1 + the statement's index in its File, for silencing; 0 after Lint
}

// HasErrors reports whether fs holds an error finding that is not silenced.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Error && !f.Silenced {
			return true
		}
	}
	return false
}

// sortFindings orders one file's findings by line and code, keeping the
// order rules reported them in otherwise.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Code < b.Code
	})
}
