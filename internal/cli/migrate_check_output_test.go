package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/migrate/capture"
	"github.com/cutover-dev/cutover/internal/migrate/lint"
	"github.com/cutover-dev/cutover/internal/pgtest"
)

func TestWriteCheck(t *testing.T) {
	res := &capture.Result{Locks: []capture.Observed{{Migration: "db/migrate/1_a.rb", Statement: 2,
		SQL: "ALTER TABLE posts ADD COLUMN a text", Locks: map[string]string{"posts": "ACCESS EXCLUSIVE"},
		Claimed: map[string]string{"posts": "ACCESS EXCLUSIVE"}}}}
	findings := []lint.Finding{{File: "db/migrate/1_a.rb", Line: 2, Code: "CO999", Severity: lint.Error, Why: "why", Fix: "fix"}}
	tests := []struct {
		format string
		want   []string
		not    []string
	}{
		{"text", []string{"db/migrate/1_a.rb:2: error CO999 why", "locks taken on the copy", "2: ALTER TABLE posts ADD COLUMN a text: posts ACCESS EXCLUSIVE"}, nil},
		{"github", []string{"::error"}, []string{"locks taken"}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := writeCheck(&b, tt.format, findings, res); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("got %q, want it to contain %q", b.String(), w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(b.String(), n) {
					t.Errorf("got %q, want no %q", b.String(), n)
				}
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		var b bytes.Buffer
		if err := writeCheck(&b, "json", findings, res); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Findings []lint.Finding
			Locks    []capture.Observed
		}
		if err := json.Unmarshal(b.Bytes(), &got); err != nil {
			t.Fatalf("got %q, not json: %v", b.String(), err)
		}
		if len(got.Findings) != 1 || got.Findings[0].Code != "CO999" || len(got.Locks) != 1 || got.Locks[0].Locks["posts"] != "ACCESS EXCLUSIVE" {
			t.Errorf("got %+v, want the finding and the lock", got)
		}
	})
}

// TestMigrateCheckShowsLocks runs the check end to end and reads the locks the migration took on
// the copy from its json.
func TestMigrateCheckShowsLocks(t *testing.T) {
	url := pgtest.Start(t).NewDatabase(t)
	pgtest.Exec(t, url, `CREATE TABLE posts (id bigserial PRIMARY KEY, title text);
		CREATE TABLE schema_migrations (version varchar PRIMARY KEY)`)
	t.Setenv("DATABASE_URL", url)
	var stdout, stderr bytes.Buffer
	app := checkApp(t, "ALTER TABLE posts ADD COLUMN subtitle text;\nCREATE INDEX posts_title ON posts (title);")
	if got := Run([]string{"migrate", "check", "--format", "json", app}, &stdout, &stderr); got != ExitLintErrors {
		t.Fatalf("got exit status %d, want %d (CO201); stdout:\n%s\nstderr:\n%s", got, ExitLintErrors, &stdout, &stderr)
	}
	var out struct {
		Locks []capture.Observed `json:"locks"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("got stdout %q, not json: %v", &stdout, err)
	}
	got := map[string]string{}
	for _, o := range out.Locks {
		got[o.SQL] = o.Locks["posts"]
		if d := o.Disagreements(); len(d) != 0 {
			t.Errorf("%s: got disagreements %+v, want none", o.SQL, d)
		}
	}
	for sql, want := range map[string]string{
		"ALTER TABLE posts ADD COLUMN subtitle text": "ACCESS EXCLUSIVE",
		"CREATE INDEX posts_title ON posts (title)":  "SHARE",
	} {
		if got[sql] != want {
			t.Errorf("%s: got %q on posts, want %q; stderr:\n%s", sql, got[sql], want, &stderr)
		}
	}
}
