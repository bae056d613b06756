package lint

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
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

// DefaultParseAhead is how many files LintSources parses ahead of the one it
// checks: enough to keep every core busy, few enough that memory stays flat.
const DefaultParseAhead = 64

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
	// Pending says the files are the pending migrations of one deploy, run in the order given, as
	// the deploy's check lints them: a table or index one of them creates is new to the later
	// files of the same phase as to its own (no release reads it, and it holds only what they
	// put in it). False, as for `cutover migrate lint` of every file, knows only each file's own.
	Pending bool
	// Volatility is what a database says of functions: the lowercased name
	// without schema mapped to pg_proc.provolatile ('i' immutable, 's'
	// stable, 'v' volatile), as read with VolatilityQuery. Where it names a
	// function it overrides the linter's built-in lists; nil means only
	// those lists, and an unknown function counts as volatile.
	Volatility map[string]byte
}

// VolatilityQuery reads Options.Volatility from a database: one row per
// function name with its most volatile overload's provolatile.
const VolatilityQuery = `SELECT proname, max(provolatile::text) FROM pg_proc GROUP BY proname`

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
	f, err := parse(name, src, opts)
	if err != nil {
		return nil, err
	}
	newCatalog().annotate(f)
	return runRules(f), nil
}

// Source is one migration file for LintSources and the phase it runs in.
type Source struct {
	// Path is the file to read.
	Path string
	// Phase is when the file runs; empty means the Options' phase.
	Phase Phase
}

// LintFiles lints the migrations at paths, all in opts.Phase, as LintSources
// does.
func LintFiles(paths []string, opts Options) ([]Finding, error) {
	srcs := make([]Source, len(paths))
	for i, p := range paths {
		srcs[i] = Source{Path: p}
	}
	return LintSources(srcs, opts)
}

// LintSources lints the migrations in the order given, which must be the
// order a runner applies them (pre-deploy files before post-deploy ones):
// what one file declares (a column's type, a validated NOT NULL check)
// informs the rules on later files. It lints every file it can and returns
// all findings, file by file, with the read and syntax errors joined: a file
// that does not parse hides nothing from the others.
//
// Files are read and parsed in parallel, up to GOMAXPROCS at once and at most
// DefaultParseAhead files ahead of the one being checked; following the
// schema from file to file and the rules run in order, and each parse tree is
// dropped once checked, so memory stays flat however many files there are.
func LintSources(srcs []Source, opts Options) ([]Finding, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	fileOpts := make([]Options, len(srcs))
	for i, s := range srcs {
		fileOpts[i] = opts
		if s.Phase != "" {
			if _, err := (Options{Phase: s.Phase}).withDefaults(); err != nil {
				return nil, fmt.Errorf("%s: %w", s.Path, err)
			}
			fileOpts[i].Phase = s.Phase
		}
	}
	type parsed struct {
		f   *File
		err error
	}
	done := make([]chan parsed, len(srcs))
	for i := range done {
		done[i] = make(chan parsed, 1)
	}
	window := make(chan struct{}, DefaultParseAhead)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(srcs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				window <- struct{}{}
				i := int(next.Add(1)) - 1
				if i >= len(srcs) {
					<-window
					return
				}
				var p parsed
				src, err := os.ReadFile(srcs[i].Path)
				if err != nil {
					p.err = fmt.Errorf("read migration: %w", err)
				} else {
					p.f, p.err = parse(srcs[i].Path, src, fileOpts[i])
				}
				done[i] <- p
			}
		}()
	}
	cat := newCatalog()
	var all []Finding
	var errs []error
	created, phase := map[string]bool{}, Phase("") // what earlier pending files of phase created
	for i := range srcs {
		p := <-done[i]
		<-window
		if p.err != nil {
			errs = append(errs, p.err)
			continue
		}
		if opts.Pending {
			if fileOpts[i].Phase != phase {
				created, phase = map[string]bool{}, fileOpts[i].Phase
			}
			p.f.createdBefore = created
		}
		cat.annotate(p.f)
		all = append(all, runRules(p.f)...)
		for key := range p.f.created {
			created[key] = true
		}
	}
	wg.Wait()
	return all, errors.Join(errs...)
}

// runRules runs the rules on an annotated file and applies the silencing
// comments.
func runRules(f *File) []Finding {
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
	return fs
}
