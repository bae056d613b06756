package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// Defaults of "cutover bench lint".
const (
	// DefaultLintFiles is how many migration files the generated corpus holds when no folder is given.
	DefaultLintFiles = 3000
	// DefaultLintStatements is how many statements each generated file holds.
	DefaultLintStatements = 10
	// DefaultLintRounds is how many times each linter lints the whole corpus; the median counts.
	DefaultLintRounds = 3
	// Squawk is the name of the Rust migration linter bench lint compares with when installed.
	Squawk = "squawk"
)

// LintOptions configures RunLint.
type LintOptions struct {
	// Exe is the cutover binary; it lints as `cutover migrate lint --format json FILES...`.
	Exe string
	// Dir is the folder whose *.sql files (at any depth) are linted; empty means a generated corpus
	// of Files files of Statements statements each, in a temporary folder.
	Dir string
	// Files and Statements size the generated corpus; zero means the defaults.
	Files, Statements int
	// Rounds is how many times each linter lints all the files, in turn; zero means DefaultLintRounds.
	Rounds int
	// Squawk is the squawk binary to compare with; empty means "squawk" in PATH, and a missing one is
	// reported, not fatal.
	Squawk string
	// Progress receives a line per round; nil means none.
	Progress io.Writer
}

// LintReport is what RunLint measured.
type LintReport struct {
	Dir        string      `json:"dir"`
	Generated  bool        `json:"generated"`
	Files      int         `json:"files"`
	Statements int         `json:"statements"`
	Linters    []LintTimes `json:"linters"`
	Missing    []Missing   `json:"missing,omitempty"`
}

// LintTimes is one linter's wall times over the whole corpus, one invocation per round.
type LintTimes struct {
	Name    string          `json:"name"`
	Command string          `json:"command"`
	Rounds  []time.Duration `json:"rounds"`
	// CPU is the user and system CPU time of each round, which load from other processes on the
	// machine disturbs less than wall time; a linter that uses several cores shows more CPU than wall.
	CPU []time.Duration `json:"cpu"`
	// Median is the median of Rounds; StatementsPerSec is the corpus's statements over it.
	Median           time.Duration `json:"median"`
	StatementsPerSec float64       `json:"statements_per_sec"`
	// MedianCPU is the median of CPU.
	MedianCPU time.Duration `json:"median_cpu"`
}

// linter is one command to time: the program and its arguments before the file list.
type linter struct {
	name string
	argv []string
}

// RunLint times cutover's linter, and squawk's when installed, on the same files in the same run:
// each lints all of them in one invocation, round after round, in turn.
func RunLint(ctx context.Context, o LintOptions) (*LintReport, error) {
	o = o.withDefaults()
	rep := &LintReport{Dir: o.Dir}
	if rep.Dir == "" {
		dir, err := os.MkdirTemp("", "cutover-bench-lint-")
		if err != nil {
			return nil, fmt.Errorf("bench lint: %w", err)
		}
		defer os.RemoveAll(dir)
		if err := writeLintCorpus(dir, o.Files, o.Statements); err != nil {
			return nil, err
		}
		rep.Dir, rep.Generated = dir, true
	}
	files, stmts, err := lintCorpus(rep.Dir)
	if err != nil {
		return nil, err
	}
	rep.Files, rep.Statements = len(files), stmts
	linters := []linter{{"cutover", []string{o.Exe, "migrate", "lint", "--phase", "pre", "--format", "json"}}}
	if sq, err := lookTool(o.Squawk); err != nil {
		rep.Missing = append(rep.Missing, Missing{Name: Squawk, Reason: fmt.Sprintf("%v (npm install squawk-cli ships a prebuilt binary)", err)})
	} else {
		linters = append(linters, linter{Squawk, []string{sq, "--reporter", "json"}})
	}
	rep.Linters = make([]LintTimes, len(linters))
	for i, l := range linters {
		rep.Linters[i] = LintTimes{Name: l.name, Command: strings.Join(l.argv, " ") + " FILES..."}
	}
	for round := 1; round <= o.Rounds; round++ {
		for i, l := range linters {
			took, cpu, err := timeLinter(ctx, l, files)
			if err != nil {
				return nil, err
			}
			rep.Linters[i].Rounds = append(rep.Linters[i].Rounds, took)
			rep.Linters[i].CPU = append(rep.Linters[i].CPU, cpu)
			if o.Progress != nil {
				fmt.Fprintf(o.Progress, "round %d: %s linted %d files in %s\n", round, l.name, len(files), took.Round(time.Millisecond))
			}
		}
	}
	for i := range rep.Linters {
		t := &rep.Linters[i]
		t.Median, t.MedianCPU = median(t.Rounds), median(t.CPU)
		t.StatementsPerSec = float64(rep.Statements) / t.Median.Seconds()
	}
	return rep, nil
}

// withDefaults fills zero fields.
func (o LintOptions) withDefaults() LintOptions {
	if o.Files <= 0 {
		o.Files = DefaultLintFiles
	}
	if o.Statements <= 0 {
		o.Statements = DefaultLintStatements
	}
	if o.Rounds <= 0 {
		o.Rounds = DefaultLintRounds
	}
	if o.Squawk == "" {
		o.Squawk = Squawk
	}
	return o
}

// median returns the median of ds.
func median(ds []time.Duration) time.Duration {
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}

// timeLinter runs one linter on files and returns its wall and CPU time. A linter exits non-zero
// when it has findings, so only a failure to run, a signal, or an exit without output is an error.
func timeLinter(ctx context.Context, l linter, files []string) (wall, cpu time.Duration, err error) {
	cmd := exec.CommandContext(ctx, l.argv[0], append(slices.Clone(l.argv[1:]), files...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	wall = time.Since(start)
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() > 0 && stdout.Len() > 0) {
		return 0, 0, fmt.Errorf("bench lint: %s: %w: %s", l.name, err, strings.TrimSpace(stderr.String()))
	}
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// lintCorpus lists the *.sql files under dir in name order and counts their statements with
// PostgreSQL's parser; files that do not parse count for none.
func lintCorpus(dir string) ([]string, int, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".sql") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("bench lint: list %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("bench lint: no *.sql files under %s: give a folder of migrations, or none for a generated corpus", dir)
	}
	slices.Sort(files)
	stmts := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, 0, fmt.Errorf("bench lint: %w", err)
		}
		if tree, err := pg.Parse(string(src)); err == nil {
			stmts += len(tree.Stmts)
		}
	}
	return files, stmts, nil
}

// lintStatements are the statement kinds the generated corpus mixes, {n} being a per-statement
// number so tables and indexes differ: safe ones, and ones both linters flag.
var lintStatements = []string{
	"SET lock_timeout = '2s';",
	"CREATE TABLE t{n} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name varchar(50), at timestamptz NOT NULL DEFAULT now());",
	"ALTER TABLE users ADD COLUMN c{n} text;",
	"CREATE INDEX CONCURRENTLY i{n} ON users (c1);",
	"ALTER TABLE orders ADD CONSTRAINT fk{n} FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
	"ALTER TABLE orders VALIDATE CONSTRAINT fk{n};",
	"UPDATE users SET c1 = lower(c1) WHERE id BETWEEN {n} AND {n} + 1000;",
	"ALTER TABLE users ALTER COLUMN name TYPE varchar({n});",
	"ALTER TABLE users DROP COLUMN legacy{n};",
	"CREATE INDEX j{n} ON users (c2);",
	"INSERT INTO audit (event, at) SELECT 'migrated', now() FROM generate_series(1, {n});",
	"ALTER TABLE users ADD COLUMN token{n} uuid DEFAULT gen_random_uuid();",
}

// writeLintCorpus writes files migrations of perFile statements each into dir. Each starts with a
// comment, as hand-written migrations do, so cutover's linter scans every file for comments.
func writeLintCorpus(dir string, files, perFile int) error {
	for i := range files {
		var b strings.Builder
		fmt.Fprintf(&b, "-- migration %d: generated by cutover bench lint\n", i+1)
		for j := range perFile {
			stmt := lintStatements[(i+j)%len(lintStatements)]
			b.WriteString(strings.ReplaceAll(stmt, "{n}", strconv.Itoa(i*perFile+j+1)))
			b.WriteString("\n")
		}
		name := filepath.Join(dir, fmt.Sprintf("%06d_migration.sql", i+1))
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			return fmt.Errorf("bench lint: write the corpus: %w", err)
		}
	}
	return nil
}

// Format writes r as a table: each linter's median wall time and statements per second, then
// cutover's statements per second as a ratio to squawk's.
func (r *LintReport) Format(w io.Writer) error {
	var b bytes.Buffer
	what := r.Dir
	if r.Generated {
		what = "a generated corpus"
	}
	fmt.Fprintf(&b, "cutover bench lint: %d files, %d statements, in %s; one invocation per linter per round\n\n", r.Files, r.Statements, what)
	fmt.Fprintf(&b, "%-8s %10s %12s %10s  %s\n", "LINTER", "MEDIAN", "STATEMENTS/S", "CPU", "ROUNDS")
	for _, t := range r.Linters {
		rounds := make([]string, len(t.Rounds))
		for i, d := range t.Rounds {
			rounds[i] = d.Round(time.Millisecond).String()
		}
		fmt.Fprintf(&b, "%-8s %10s %12.0f %10s  %s\n", t.Name, t.Median.Round(time.Millisecond), t.StatementsPerSec,
			t.MedianCPU.Round(time.Millisecond), strings.Join(rounds, " "))
	}
	if len(r.Linters) > 1 {
		fmt.Fprintf(&b, "\ncutover vs %s: %.2f× the statements/s, %.2f× the CPU time\n", r.Linters[1].Name,
			ratio(r.Linters[0].StatementsPerSec, r.Linters[1].StatementsPerSec), ratio(float64(r.Linters[0].MedianCPU), float64(r.Linters[1].MedianCPU)))
	}
	for _, m := range r.Missing {
		fmt.Fprintf(&b, "\nnot measured: %s: %s\n", m.Name, m.Reason)
	}
	return writeAll(w, &b)
}
