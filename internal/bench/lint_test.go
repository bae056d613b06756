package bench_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/bench"
)

// TestRunLintGenerated lints a small generated corpus with the real cutover CLI and checks the
// figures add up; squawk is named as missing when it is not where the options point.
func TestRunLintGenerated(t *testing.T) {
	var progress bytes.Buffer
	rep, err := bench.RunLint(context.Background(), bench.LintOptions{
		Exe: cutoverExe(t), Files: 20, Statements: 5, Rounds: 2,
		Squawk: filepath.Join(t.TempDir(), "no-squawk-here"), Progress: &progress,
	})
	if err != nil {
		t.Fatalf("RunLint: %v", err)
	}
	if !rep.Generated || rep.Files != 20 || rep.Statements != 100 {
		t.Errorf("got %d files, %d statements (generated %v), want 20, 100, true", rep.Files, rep.Statements, rep.Generated)
	}
	if len(rep.Linters) != 1 || rep.Linters[0].Name != "cutover" || len(rep.Linters[0].Rounds) != 2 || len(rep.Linters[0].CPU) != 2 ||
		rep.Linters[0].StatementsPerSec <= 0 || rep.Linters[0].MedianCPU <= 0 {
		t.Fatalf("got linters %+v, want cutover alone with 2 rounds and a rate", rep.Linters)
	}
	if len(rep.Missing) != 1 || rep.Missing[0].Name != bench.Squawk {
		t.Errorf("got missing %+v, want squawk", rep.Missing)
	}
	if _, err := os.Stat(rep.Dir); !os.IsNotExist(err) {
		t.Errorf("got the generated corpus %s left behind (stat error %v), want it removed", rep.Dir, err)
	}
	var out bytes.Buffer
	if err := rep.Format(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"100 statements", "cutover", "not measured: squawk"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("got table\n%s\nwant it to contain %q", &out, want)
		}
	}
}

// TestRunLintFolder lints a given folder, at any depth, with squawk played by a script that prints
// findings and exits 1 as squawk does, so both linters are timed on the same files.
func TestRunLintFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "db", "migrate"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, sql string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("db/migrate/001.sql", "CREATE TABLE a (id bigint);\nCREATE INDEX ON users (x);\n")
	write("002.sql", "SELECT 1;")
	write("notes.txt", "not sql")
	squawk := filepath.Join(t.TempDir(), "squawk")
	if err := os.WriteFile(squawk, []byte("#!/bin/sh\necho '[]'\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	rep, err := bench.RunLint(context.Background(), bench.LintOptions{Exe: cutoverExe(t), Dir: dir, Rounds: 1, Squawk: squawk})
	if err != nil {
		t.Fatalf("RunLint: %v", err)
	}
	if rep.Files != 2 || rep.Statements != 3 || len(rep.Linters) != 2 || len(rep.Missing) != 0 {
		t.Errorf("got %d files, %d statements, linters %+v, missing %+v; want 2, 3, cutover and squawk, none", rep.Files, rep.Statements, rep.Linters, rep.Missing)
	}
	if _, err := bench.RunLint(context.Background(), bench.LintOptions{Exe: cutoverExe(t), Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no *.sql files") {
		t.Errorf("got error %v for an empty folder, want one saying there are no *.sql files", err)
	}
}
