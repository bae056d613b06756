package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrateLintExitStatus checks that a file that does not parse is reported while the other files
// are still linted, and that "could not lint" and "found an error" exit with different statuses.
func TestMigrateLintExitStatus(t *testing.T) {
	dir := t.TempDir()
	write := func(name, sql string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	drop := write("001_drop.sql", "ALTER TABLE items DROP COLUMN legacy;\n")
	broken := write("002_broken.sql", "CREATE TABLE ok (id bigint);\nALTER TABLE items DROPP COLUMN x;\n")
	fine := write("003_fine.sql", "CREATE TABLE t (id bigint);\n")
	tests := []struct {
		name       string
		args       []string
		want       int
		wantStdout string
		wantStderr string
	}{
		{"clean", []string{fine}, 0, "", ""},
		{"error finding", []string{drop, fine}, ExitLintErrors, "error CO101", ""},
		{"parse error alone", []string{broken}, ExitLintIncomplete, "", "002_broken.sql:2"},
		{"parse error beside a finding", []string{drop, broken, fine}, ExitLintIncomplete, "error CO101", "002_broken.sql:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := Run(append([]string{"migrate", "lint", "--phase", "pre"}, tt.args...), &stdout, &stderr)
			if got != tt.want {
				t.Errorf("got exit status %d, want %d; stdout:\n%s\nstderr:\n%s", got, tt.want, &stdout, &stderr)
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("got stdout %q, want it to contain %q", &stdout, tt.wantStdout)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) || tt.wantStderr == "" && stderr.Len() > 0 {
				t.Errorf("got stderr %q, want %q", &stderr, tt.wantStderr)
			}
		})
	}
}
