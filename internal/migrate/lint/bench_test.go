package lint

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// benchStatements are the statement kinds the benchmark mixes, {n} being a
// per-statement number so tables and indexes differ.
var benchStatements = []string{
	"SET lock_timeout = '2s';",
	"CREATE TABLE t{n} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name varchar(50), at timestamptz NOT NULL DEFAULT now());",
	"ALTER TABLE users ADD COLUMN c{n} text;",
	"CREATE INDEX CONCURRENTLY i{n} ON users (c1);",
	"ALTER TABLE orders ADD CONSTRAINT fk{n} FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
	"ALTER TABLE orders VALIDATE CONSTRAINT fk{n};",
	"UPDATE users SET c1 = lower(c1) WHERE id BETWEEN {n} AND {n} + 1000;",
	"ALTER TABLE users ALTER COLUMN name TYPE varchar({n});",
	"-- cutover:ignore CO101 reason: unused since v2\nALTER TABLE users DROP COLUMN legacy{n};",
	"CREATE INDEX j{n} ON users (c2);",
	"INSERT INTO audit (event, at) SELECT 'migrated', now() FROM generate_series(1, {n});",
	"ALTER TABLE users ADD COLUMN token{n} uuid DEFAULT gen_random_uuid();",
}

// benchFiles generates n migrations of k statements each.
func benchFiles(n, k int) [][]byte {
	files := make([][]byte, n)
	for i := range files {
		var b strings.Builder
		for j := 0; j < k; j++ {
			fmt.Fprintf(&b, "-- step %d\n", j)
			stmt := benchStatements[(i+j)%len(benchStatements)]
			b.WriteString(strings.ReplaceAll(stmt, "{n}", strconv.Itoa(i*k+j+1)))
			b.WriteString("\n\n")
		}
		files[i] = []byte(b.String())
	}
	return files
}

// BenchmarkLint lints 2,000 generated files of 10 mixed statements each per
// iteration and reports statements per second.
func BenchmarkLint(b *testing.B) {
	const files, perFile = 2000, 10
	srcs := benchFiles(files, perFile)
	opts := Options{Phase: PreDeploy, InTransaction: true}
	findings := 0
	for b.Loop() {
		findings = 0
		for i, src := range srcs {
			fs, err := Lint(fmt.Sprintf("db/migrate/%04d.sql", i), src, opts)
			if err != nil {
				b.Fatal(err)
			}
			findings += len(fs)
		}
	}
	b.ReportMetric(float64(files*perFile*b.N)/b.Elapsed().Seconds(), "stmts/s")
	b.ReportMetric(float64(findings), "findings/op")
}

// BenchmarkLintSources lints the same 2,000 generated files written to disk in one LintSources
// call per iteration, as the CLI and a deploy do: files are parsed and checked in parallel, up to
// GOMAXPROCS at once. Run with -cpu 1,2 to see what the parallelism gains.
func BenchmarkLintSources(b *testing.B) {
	const files, perFile = 2000, 10
	dir := b.TempDir()
	srcs := make([]Source, files)
	for i, src := range benchFiles(files, perFile) {
		p := filepath.Join(dir, fmt.Sprintf("%04d.sql", i))
		if err := os.WriteFile(p, src, 0o644); err != nil {
			b.Fatal(err)
		}
		srcs[i] = Source{Path: p, Phase: PreDeploy}
	}
	opts := Options{InTransaction: true, RunnerSetsLockTimeout: true}
	findings := 0
	for b.Loop() {
		fs, err := LintSources(srcs, opts)
		if err != nil {
			b.Fatal(err)
		}
		findings = len(fs)
	}
	b.ReportMetric(float64(files*perFile*b.N)/b.Elapsed().Seconds(), "stmts/s")
	b.ReportMetric(float64(findings), "findings/op")
}

// BenchmarkParse is BenchmarkLint's baseline: PostgreSQL's parser alone (pg_query.Parse) on the same
// files, so the linter's own cost shows as the ratio of the two stmts/s figures in one run.
func BenchmarkParse(b *testing.B) {
	const files, perFile = 2000, 10
	srcs := benchFiles(files, perFile)
	for b.Loop() {
		for _, src := range srcs {
			if _, err := pg.Parse(string(src)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(files*perFile*b.N)/b.Elapsed().Seconds(), "stmts/s")
}

func TestBenchFilesParse(t *testing.T) {
	for i, src := range benchFiles(len(benchStatements), 10) {
		fs, err := Lint("bench.sql", src, Options{InTransaction: true})
		if err != nil {
			t.Fatalf("file %d: got error %v, want generated SQL to parse", i, err)
		}
		if len(fs) == 0 {
			t.Errorf("file %d: got no findings, want the mix to trip some rules", i)
		}
	}
}

// FuzzLint feeds arbitrary bytes to the linter: it must never panic, and
// whatever it finds must render in every format.
func FuzzLint(f *testing.F) {
	for _, cases := range casesByCode {
		for _, c := range cases {
			f.Add([]byte(c.sql), false, true, uint8(15))
		}
	}
	f.Add([]byte("BEGIN; COMMIT AND CHAIN; -- cutover:ignore CO201 reason:"), true, false, uint8(9))
	f.Add([]byte("/* unterminated"), false, false, uint8(0))
	f.Fuzz(func(t *testing.T, src []byte, post, inTx bool, version uint8) {
		opts := Options{Phase: PreDeploy, InTransaction: inTx, TargetVersion: int(version)}
		if post {
			opts.Phase = PostDeploy
		}
		_, _ = RunsInTransaction(src)
		fs, err := Lint("fuzz.sql", src, opts)
		if err != nil {
			return
		}
		lines := bytes.Count(src, []byte("\n")) + 1
		for _, fd := range fs {
			if fd.Line < 1 || fd.Line > lines || !known(fd.Code) {
				t.Fatalf("got finding %+v, want a known code on a line within 1..%d", fd, lines)
			}
		}
		for _, format := range Formats {
			if err := Write(&bytes.Buffer{}, fs, format); err != nil {
				t.Fatalf("Write %s: %v", format, err)
			}
		}
	})
}
