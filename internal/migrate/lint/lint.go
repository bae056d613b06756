package lint

import (
	"errors"
	"fmt"
	"os"
	"unicode/utf8"

	"github.com/pganalyze/pg_query_go/v6/parser"
)

// Phase says when a migration runs relative to the switch between releases.
type Phase string

const (
	// PreDeploy migrations (expand) run before the switch, while the old
	// release still serves traffic.
	PreDeploy Phase = "pre"
	// PostDeploy migrations (contract) run after the old release stopped,
	// while the new release serves traffic.
	PostDeploy Phase = "post"
)

// DefaultTargetVersion is the PostgreSQL major version rules assume when
// Options.TargetVersion is zero.
const DefaultTargetVersion = 15

// Options says how and where the linted migrations will run.
type Options struct {
	// Phase is when the migrations run; empty means PreDeploy, the stricter.
	Phase Phase
	// TargetVersion is the PostgreSQL major version of the server the
	// migrations run on, such as 15; zero means DefaultTargetVersion.
	TargetVersion int
	// InTransaction says the runner wraps each file in one transaction when it
	// can, as cutover's runner does: a file that contains CONCURRENTLY or its
	// own transaction control runs without the wrapper (see RunsInTransaction).
	// False means the runner runs each statement on its own, as psql does
	// without --single-transaction; explicit BEGIN ... COMMIT blocks count
	// either way.
	InTransaction bool
	// RunnerSetsLockTimeout says the runner sets lock_timeout for every file,
	// as cutover's runner does, so a file need not set it itself (CO213 does
	// not fire). False means the file must set it, as with psql.
	RunnerSetsLockTimeout bool
}

// withDefaults fills zero fields and rejects an unknown phase.
func (o Options) withDefaults() (Options, error) {
	switch o.Phase {
	case "":
		o.Phase = PreDeploy
	case PreDeploy, PostDeploy:
	default:
		return o, fmt.Errorf("unknown migration phase %q: want %q or %q", o.Phase, PreDeploy, PostDeploy)
	}
	if o.TargetVersion == 0 {
		o.TargetVersion = DefaultTargetVersion
	}
	return o, nil
}

// SyntaxError reports a migration PostgreSQL's parser rejects.
type SyntaxError struct {
	// File is the migration's name; empty when linting bare SQL.
	File string
	// Line is the 1-based line PostgreSQL points at; 0 when it gave none.
	Line int
	// Message is PostgreSQL's message, such as `syntax error at or near "x"`.
	Message string
	// Err is the parser's own error, if any.
	Err error
}

// Error returns "file:line: message" with what to do.
func (e *SyntaxError) Error() string {
	where := e.File
	switch {
	case e.File == "" && e.Line > 0:
		where = fmt.Sprintf("line %d", e.Line)
	case e.File == "":
		where = "sql"
	case e.Line > 0:
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return fmt.Sprintf("%s: %s (fix the SQL: migrations must parse as PostgreSQL)", where, e.Message)
}

// Unwrap returns the parser's own error.
func (e *SyntaxError) Unwrap() error { return e.Err }

// syntaxError turns a parser error into a SyntaxError naming its line.
func syntaxError(name, src string, err error) error {
	se := &SyntaxError{File: name, Message: err.Error(), Err: err}
	var pe *parser.Error
	if errors.As(err, &pe) && pe.Cursorpos > 0 {
		se.Line = lineOfChar(src, pe.Cursorpos-1)
	}
	return se
}

// lineOfChar returns the 1-based line of the n-th character (not byte) of
// src, the unit PostgreSQL's error cursor counts in.
func lineOfChar(src string, n int) int {
	line := 1
	for i := 0; i < len(src) && n > 0; n-- {
		r, size := utf8.DecodeRuneInString(src[i:])
		if r == '\n' {
			line++
		}
		i += size
	}
	return line
}

// Lint parses one migration with PostgreSQL's parser and runs every rule on
// it. Findings come ordered by line; silenced ones are included and marked.
// A migration that does not parse returns a *SyntaxError.
func Lint(name string, src []byte, opts Options) ([]Finding, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return lint(name, src, opts, newCatalog())
}

// LintFiles lints the migrations at paths in the order given, as a runner
// would apply them: the column types one file declares inform the rules on
// later files. It lints every file it can and returns all findings, with the
// read and syntax errors joined.
func LintFiles(paths []string, opts Options) ([]Finding, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	cat := newCatalog()
	var all []Finding
	var errs []error
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("read migration: %w", err))
			continue
		}
		fs, err := lint(p, src, opts, cat)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		all = append(all, fs...)
	}
	return all, errors.Join(errs...)
}

// lint parses src, runs the rules and applies the silencing comments.
func lint(name string, src []byte, opts Options, cat *catalog) ([]Finding, error) {
	f, err := parse(name, src, opts, cat)
	if err != nil {
		return nil, err
	}
	var fs []Finding
	for _, e := range registry {
		if e.rule != nil {
			fs = append(fs, e.rule.Check(f)...)
		}
	}
	fs = f.silence(fs)
	for i := range fs {
		fs[i].stmt = 0
	}
	sortFindings(fs)
	return fs, nil
}
